using System.Security.Cryptography.X509Certificates;
using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Cli.Tests.Control;

public sealed class ClusterJoinerTests
{
    /// <summary>A fixed clock: nothing here compares a certificate with the wall clock.</summary>
    private static readonly TimeProvider Clock = TestCertificates.FixedClock();

    private const string Remote = "10.0.0.1:4243";

    [Fact]
    public async Task A_manager_token_is_sent_only_after_the_root_matches_and_then_joins_through_the_local_manager()
    {
        using var root = TestCertificates.Root("cluster1", Clock);
        var token = TestCertificates.TokenFor(root);
        var remote = new FakeRemote([root.ExportCertificatePem()], StoreRole.Manager);
        var local = new FakeLocal { Manager = new JoinResponse { ClusterId = "cluster1", NodeId = "node9", Role = StoreRole.Manager } };

        var outcome = await new ClusterJoiner(remote, local).JoinAsync(token, Remote, CancellationToken.None);

        Assert.Equal(new JoinOutcome("cluster1", "node9", StoreRole.Manager), outcome);
        Assert.Equal("This node joined cluster cluster1 as a manager (node id node9).", outcome.ToString());
        Assert.Equal(root.RawData, remote.PinnedTo!.RawData);
        Assert.Equal(token.ToString(), remote.TokenAsked);
        Assert.Equal(new JoinRequest { Token = token.ToString(), RemoteAddress = Remote }, local.ManagerRequest);
        Assert.Null(local.WorkerRequest);
    }

    [Fact]
    public async Task The_root_the_token_pins_is_picked_among_the_roots_of_a_ca_rotation()
    {
        using var old = TestCertificates.Root("cluster1", Clock);
        using var next = TestCertificates.Root("cluster1", Clock);
        var remote = new FakeRemote([old.ExportCertificatePem(), next.ExportCertificatePem()], StoreRole.Worker);
        var local = new FakeLocal { Worker = new JoinClusterResponse { ClusterId = "cluster1", NodeId = "w1" } };

        var outcome = await new ClusterJoiner(remote, local).JoinAsync(TestCertificates.TokenFor(next), Remote, CancellationToken.None);

        Assert.Equal(StoreRole.Worker, outcome.Role);
        Assert.Equal(next.RawData, remote.PinnedTo!.RawData);
        Assert.Equal(Remote, local.WorkerRequest!.RemoteAddress);
    }

    [Fact]
    public async Task A_manager_of_another_cluster_never_sees_the_token_and_the_error_names_both_digests()
    {
        using var ours = TestCertificates.Root("cluster1", Clock);
        using var theirs = TestCertificates.Root("cluster2", Clock);
        var remote = new FakeRemote([theirs.ExportCertificatePem()], StoreRole.Manager);
        var local = new FakeLocal();

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => new ClusterJoiner(remote, local).JoinAsync(TestCertificates.TokenFor(ours), Remote, CancellationToken.None));

        Assert.Contains($"the manager at {Remote} is not of the cluster this token is for", error.Message, StringComparison.Ordinal);
        Assert.Contains(CertificateDigest.Of(theirs), error.Message, StringComparison.Ordinal);
        Assert.Contains(CertificateDigest.Of(ours), error.Message, StringComparison.Ordinal);
        Assert.Null(remote.TokenAsked);
        Assert.Null(local.ManagerRequest);
    }

    [Fact]
    public async Task A_worker_daemon_without_the_cluster_service_is_reported_plainly()
    {
        using var root = TestCertificates.Root("cluster1", Clock);
        var remote = new FakeRemote([root.ExportCertificatePem()], StoreRole.Worker);
        var local = new FakeLocal { WorkerError = new RpcException(new Status(StatusCode.Unimplemented, "")) };

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => new ClusterJoiner(remote, local).JoinAsync(TestCertificates.TokenFor(root), Remote, CancellationToken.None));

        Assert.Equal("this is a worker token, but the worker daemon at /run/test/worker.sock cannot join a cluster yet (its ck-worker has no Cluster.Join); nothing was changed", error.Message);
        Assert.Null(local.ManagerRequest);
    }

    [Fact]
    public async Task Another_worker_refusal_passes_through_with_its_own_words()
    {
        using var root = TestCertificates.Root("cluster1", Clock);
        var remote = new FakeRemote([root.ExportCertificatePem()], StoreRole.Worker);
        var local = new FakeLocal { WorkerError = new RpcException(new Status(StatusCode.FailedPrecondition, "this worker already belongs to cluster c0")) };

        var error = await Assert.ThrowsAsync<RpcException>(() => new ClusterJoiner(remote, local).JoinAsync(TestCertificates.TokenFor(root), Remote, CancellationToken.None));

        Assert.Equal("this worker already belongs to cluster c0", error.Status.Detail);
    }

    [Fact]
    public void A_manager_that_sends_no_root_or_garbage_is_refused()
    {
        using var root = TestCertificates.Root("cluster1", Clock);
        var token = TestCertificates.TokenFor(root);

        var none = Assert.Throws<ClusterCommandException>(() => PinnedRoot.Select(token, [], Remote));
        var garbage = Assert.Throws<ClusterCommandException>(() => PinnedRoot.Select(token, ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"], Remote));

        Assert.Contains("sent no root certificate", none.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid PEM certificate", garbage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cluster_id_comes_from_the_roots_organization()
    {
        using var root = TestCertificates.Root("cluster-7", Clock);

        Assert.Equal("cluster-7", PinnedRoot.ClusterIdOf(root, Remote));
    }

    private sealed class FakeRemote(IReadOnlyList<string> roots, StoreRole role) : IJoinRemote
    {
        public X509Certificate2? PinnedTo { get; private set; }

        public string? TokenAsked { get; private set; }

        public Task<IReadOnlyList<string>> GetRootCertificatesAsync(CancellationToken cancellationToken) => Task.FromResult(roots);

        public Task<StoreRole> TokenRoleAsync(X509Certificate2 pinnedRoot, string token, CancellationToken cancellationToken)
        {
            PinnedTo = pinnedRoot;
            TokenAsked = token;
            return Task.FromResult(role);
        }
    }

    private sealed class FakeLocal : ILocalJoiners
    {
        public JoinResponse? Manager { get; init; }

        public JoinClusterResponse? Worker { get; init; }

        public RpcException? WorkerError { get; init; }

        public JoinRequest? ManagerRequest { get; private set; }

        public JoinClusterRequest? WorkerRequest { get; private set; }

        public string WorkerTarget => "/run/test/worker.sock";

        public Task<JoinResponse> JoinManagerAsync(JoinRequest request, CancellationToken cancellationToken)
        {
            ManagerRequest = request;
            return Task.FromResult(Manager ?? throw new InvalidOperationException("the test did not expect a manager join"));
        }

        public Task<JoinClusterResponse> JoinWorkerAsync(JoinClusterRequest request, CancellationToken cancellationToken)
        {
            WorkerRequest = request;
            return WorkerError is not null ? Task.FromException<JoinClusterResponse>(WorkerError) : Task.FromResult(Worker ?? throw new InvalidOperationException("the test did not expect a worker join"));
        }
    }
}
