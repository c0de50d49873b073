using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using Cluster = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>The cluster object's secrets sealed, opened, refused without the key, and read from an older cluster's clear fields.</summary>
public sealed class ClusterSecretsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_new_cluster_keeps_its_root_key_and_join_secrets_only_sealed()
    {
        using var dataKey = SealingKey.Create();
        var root = RootCa.Create("c1", _time);
        var tokens = JoinTokens.Create();
        var cluster = ClusterAuthority.NewCluster(root, tokens, _time.GetUtcNow(), TimeSpan.FromDays(90), TimeSpan.FromSeconds(5), dataKey, unlockKey: null);

        var stored = cluster.ToByteArray();
        Assert.Equal(dataKey.Id, cluster.DataKeyId);
        Assert.Empty(cluster.SigningRootKeyPem);
        Assert.Empty(cluster.WorkerJoinSecret);
        Assert.Empty(cluster.ManagerJoinSecret);
        Assert.False(stored.AsSpan().IndexOf("PRIVATE KEY"u8) >= 0);
        Assert.False(stored.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(tokens.ManagerSecret)) >= 0);

        var authority = ClusterAuthority.FromStore(cluster, dataKey, "locked");
        Assert.Equal(tokens.ManagerSecret, authority.Tokens.ManagerSecret);
        Assert.Equal(root.Digest, authority.TokenDigest);
        using var nodeKey = NodeKey.Create();
        Assert.NotNull(authority.Issuer(_time).Issue(new NodeIdentity("c1", "n1", NodeRole.Worker), NodeKey.CreateSigningRequestPem(nodeKey)));
    }

    [Fact]
    public void Without_the_data_key_the_roots_are_trusted_but_nothing_is_issued_verified_or_changed()
    {
        using var dataKey = SealingKey.Create();
        using var unlockKey = SealingKey.Create();
        var cluster = ClusterAuthority.NewCluster(RootCa.Create("c1", _time), JoinTokens.Create(), _time.GetUtcNow(), TimeSpan.FromDays(90), TimeSpan.FromSeconds(5), dataKey, unlockKey);

        var locked = ClusterAuthority.FromStore(cluster, dataKey: null, DataKeyring.LockedMessage);

        Assert.Single(locked.Trust.Roots);
        Assert.False(locked.CanSign);
        foreach (var refused in new Action[] { () => locked.Issuer(_time), () => _ = locked.Tokens, () => locked.With(locked.Rotation), () => locked.UnlockKey() })
        {
            var e = Assert.Throws<RpcException>(refused);
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains("locked: run `ck cluster unlock`", e.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(unlockKey.Id, ClusterAuthority.FromStore(cluster, dataKey, "locked").UnlockKey()!.Id);
    }

    [Fact]
    public void An_older_cluster_with_clear_fields_is_read_and_sealed_by_the_first_manager_with_a_key()
    {
        var root = RootCa.Create("c1", _time);
        var tokens = JoinTokens.Create();
        var older = new Cluster
        {
            Id = "c1",
            SigningRootCertificatePem = root.CertificatePem,
            SigningRootKeyPem = root.ExportKeyPem(),
            WorkerJoinSecret = tokens.WorkerSecret,
            ManagerJoinSecret = tokens.ManagerSecret,
        };

        var read = ClusterAuthority.FromStore(older, dataKey: null, "locked");
        Assert.True(read.CanSign);
        Assert.Equal(tokens.WorkerSecret, read.Tokens.WorkerSecret);

        // Without a key a write keeps it as it was; with one everything is sealed and the clear fields emptied.
        Assert.Equal(root.ExportKeyPem(), read.With(read.Tokens.Rotate(NodeRole.Worker)).SigningRootKeyPem);
        using var dataKey = SealingKey.Create();
        var sealedCluster = read.SealedWith(dataKey);
        Assert.Empty(sealedCluster.SigningRootKeyPem);
        Assert.Empty(sealedCluster.WorkerJoinSecret);
        Assert.Equal(dataKey.Id, sealedCluster.DataKeyId);
        Assert.Equal(tokens.WorkerSecret, ClusterAuthority.FromStore(sealedCluster, dataKey, "locked").Tokens.WorkerSecret);
        Assert.False(ClusterAuthority.FromStore(sealedCluster, dataKey: null, "locked").CanSign);
    }
}
