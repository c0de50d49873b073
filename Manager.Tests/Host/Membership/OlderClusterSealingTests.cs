using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// A cluster from before sealing (root key and join secrets in clear in its cluster object) is
/// still readable, and its leader seals it under a new data key; a restart then opens it from the key file.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class OlderClusterSealingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task The_leader_seals_an_older_clusters_clear_secrets_and_keeps_issuing()
    {
        await using var managers = SecureManagers.Create(1);
        var manager = managers[0];

        // What an older ck-manager's init left: its identity, and a first transaction with the secrets in clear.
        var root = RootCa.Create(NodeIdentity.NewId(), TimeProvider.System);
        var tokens = JoinTokens.Create();
        var issuer = new CertificateIssuer(root, TimeProvider.System);
        var credentials = ClusterInit.IssueWithNewKey(issuer, new NodeIdentity(root.ClusterId, NodeIdentity.NewId(), IdentityRole.Manager), TrustBundle.Of(root.PublicCertificate()));
        Directory.CreateDirectory(manager.DataDirectory);
        var files = new BootstrapFiles(manager.DataDirectory);
        new CertificateFiles(files.IdentityDirectory).Save(credentials);
        var older = new Cluster
        {
            Id = root.ClusterId,
            CreatedUnixMs = 1,
            SigningRootCertificatePem = root.CertificatePem,
            SigningRootKeyPem = root.ExportKeyPem(),
            WorkerJoinSecret = tokens.WorkerSecret,
            ManagerJoinSecret = tokens.ManagerSecret,
        };
        files.WritePendingInit(new Transaction
        {
            Mutations =
            {
                new Mutation { Kind = Mutation.Types.Kind.Create, Object = StoreObjects.Wrap(older) },
                new Mutation { Kind = Mutation.Types.Kind.Create, Object = StoreObjects.Wrap(ClusterInit.ManagerNode(credentials.Identity.NodeId, manager.Raft.ToString(), manager.Api.ToString())) },
            },
        });

        try
        {
            await managers.StartAllAsync();
            var keyFile = Path.Combine(manager.DataDirectory, "keys", "data-key");
            await EventuallyAsync(() => File.Exists(keyFile) && manager.RecentOutput(200).Contains("are now sealed with data key", StringComparison.Ordinal));

            // The join token of the older cluster still works: its secret was sealed, not replaced.
            var role = await manager.LocalCluster.GetJoinTokenAsync(new GetJoinTokenRequest { Role = Proto.Manager.V1.NodeRole.Worker }, deadline: DateTime.UtcNow + Wait);
            Assert.EndsWith(tokens.WorkerSecret, role.Token, StringComparison.Ordinal);

            await manager.StopAsync();

            // The entry written in clear before sealing is still in the log (until compaction; ADR 0011 says
            // to rotate the CA): the same search that finds nothing in a sealed cluster's log finds it here.
            var wal = Directory.EnumerateFiles(Path.Combine(manager.DataDirectory, "wal"), "*", SearchOption.AllDirectories);
            Assert.Contains(wal, f => File.ReadAllBytes(f).AsSpan().IndexOf("PRIVATE KEY"u8) >= 0);

            manager.Start();
            await manager.WaitForSocketAsync(Wait);
            using var key = NodeKey.Create();
            var issued = await RetryAsync(() => manager.LocalCluster.IssueAdminCertificateAsync(new IssueAdminCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(key) }, deadline: DateTime.UtcNow + Wait).ResponseAsync);
            Assert.Equal(root.ClusterId, issued.ClusterId);
        }
        catch (Exception e) when (e is RpcException or Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new InvalidOperationException($"{e.Message}\n{managers.Describe()}", e);
        }
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"condition not reached within {Wait.TotalSeconds} s");
            }

            await Task.Delay(200);
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var until = DateTime.UtcNow + Wait;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable && DateTime.UtcNow < until)
            {
                await Task.Delay(200);
            }
        }
    }
}
