using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// ADR 0011 on real ck-manager processes: what reaches the raft log and snapshots on disk holds
/// no CA private key and no join secret; a restarted manager still issues certificates; a joining
/// manager receives the data key over mutual TLS; with autolock nothing is issued until unlocked.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class EncryptionAtRestTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task The_log_and_snapshots_on_disk_hold_no_CA_key_nor_join_secret_and_a_restarted_manager_still_issues()
    {
        await using var managers = SecureManagers.Create(1);
        var manager = managers[0];
        manager.ExtraArguments = ["--snapshot-every", "4"];
        await ExplainAsync(managers, async () =>
        {
            await managers.StartAllAsync();
            var init = await manager.LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow + Wait);
            var rotated = await manager.LocalCluster.GetJoinTokenAsync(new GetJoinTokenRequest { Role = Proto.Manager.V1.NodeRole.Worker, Rotate = true }, deadline: DateTime.UtcNow + Wait);
            for (var i = 0; i < 12; i++)
            {
                await manager.LocalStore.ProposeAsync(new ProposeRequest { Transaction = SecureClusterTests.Put("k" + i, "v") }, deadline: DateTime.UtcNow + Wait);
            }

            var status = await manager.LocalStore.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow + Wait);
            Assert.True(status.SnapshotsTaken > 0, $"no snapshot was taken ({status})");
            await manager.StopAsync();

            var raftFiles = RaftFiles(manager.DataDirectory);
            Assert.Contains(raftFiles, f => f.Contains("snapshot", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(raftFiles, f => f.Contains("wal", StringComparison.OrdinalIgnoreCase));
            var secrets = new[] { init.WorkerToken, init.ManagerToken, rotated.Token }.Select(t => Encoding.ASCII.GetBytes(t[(t.LastIndexOf('-') + 1)..]));
            foreach (var file in raftFiles)
            {
                var content = await File.ReadAllBytesAsync(file);
                Assert.False(Contains(content, Encoding.ASCII.GetBytes("PRIVATE KEY")), $"{file} holds a PEM private key");
                Assert.False(Contains(content, P256Pkcs8Header()), $"{file} holds a DER (PKCS#8) P-256 private key");
                Assert.All(secrets, secret => Assert.False(Contains(content, secret), $"{file} holds a join secret in clear"));
            }

            // The search finds a key where there is one: the manager's own certificate file.
            Assert.True(Contains(await File.ReadAllBytesAsync(Path.Combine(manager.DataDirectory, "identity", "node.pem")), Encoding.ASCII.GetBytes("PRIVATE KEY")));

            manager.Start();
            await manager.WaitForSocketAsync(Wait);
            var issued = await IssueAdminAsync(manager);
            Assert.Equal(init.ClusterId, issued.ClusterId);
        });
    }

    [Fact]
    public async Task Autolocked_managers_issue_only_after_unlock_and_a_joiner_gets_the_key_with_proof_of_the_unlock_key()
    {
        await using var managers = SecureManagers.Create(2);
        await ExplainAsync(managers, async () =>
        {
            await managers.StartAllAsync();
            var init = await managers[0].LocalCluster.InitAsync(new InitRequest { Autolock = true }, deadline: DateTime.UtcNow + Wait);
            Assert.StartsWith("CKKEY-1-", init.UnlockKey, StringComparison.Ordinal);
            await IssueAdminAsync(managers[0]);

            // A manager joining an autolocked cluster is locked until its operator enters the key.
            await managers[1].LocalCluster.JoinAsync(new JoinRequest { Token = init.ManagerToken, RemoteAddress = managers[0].Api.ToString() }, deadline: DateTime.UtcNow.AddSeconds(120));
            await AssertLockedAsync(managers[1]);
            await managers[1].LocalCluster.UnlockAsync(new UnlockRequest { UnlockKey = init.UnlockKey }, deadline: DateTime.UtcNow + Wait);
            await IssueAdminAsync(managers[1]);

            // After a restart: locked; a malformed or wrong key is refused with the reason; the right one unlocks.
            await managers[0].StopAsync();
            managers[0].Start();
            await managers[0].WaitForSocketAsync(Wait);
            await AssertLockedAsync(managers[0]);
            var malformed = await Assert.ThrowsAsync<RpcException>(() => managers[0].LocalCluster.UnlockAsync(new UnlockRequest { UnlockKey = "SWMKEY-1-abc" }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
            Assert.Contains("CKKEY-1-", malformed.Status.Detail, StringComparison.Ordinal);
            using var wrongKey = ClusterKit.Manager.Store.Sealing.SealingKey.Create();
            var wrong = await Assert.ThrowsAsync<RpcException>(() => managers[0].LocalCluster.UnlockAsync(new UnlockRequest { UnlockKey = ClusterKit.Manager.Store.Sealing.UnlockKey.Format(wrongKey) }, deadline: DateTime.UtcNow + Wait).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, wrong.StatusCode);
            Assert.Contains("unlock key is wrong", wrong.Status.Detail, StringComparison.Ordinal);
            await AssertLockedAsync(managers[0]);
            await managers[0].LocalCluster.UnlockAsync(new UnlockRequest { UnlockKey = init.UnlockKey }, deadline: DateTime.UtcNow + Wait);
            await IssueAdminAsync(managers[0]);

            // A rotated unlock key: the old one no longer unlocks a restarted manager, the new one does.
            var next = await managers[0].LocalCluster.GetUnlockKeyAsync(new GetUnlockKeyRequest { Rotate = true }, deadline: DateTime.UtcNow + Wait);
            Assert.NotEqual(init.UnlockKey, next.UnlockKey);
            var shown = await managers[1].LocalCluster.GetUnlockKeyAsync(new GetUnlockKeyRequest(), deadline: DateTime.UtcNow + Wait);
            Assert.Equal(next.UnlockKey, shown.UnlockKey);
            await EventuallyAsync(() => Task.FromResult(managers[1].RecentOutput(400).Contains("wrapped by unlock key", StringComparison.Ordinal)), managers);
            await managers[1].StopAsync();
            managers[1].Start();
            await managers[1].WaitForSocketAsync(Wait);
            await AssertLockedAsync(managers[1]);
            var old = await Assert.ThrowsAsync<RpcException>(() => managers[1].LocalCluster.UnlockAsync(new UnlockRequest { UnlockKey = init.UnlockKey }, deadline: DateTime.UtcNow + Wait).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, old.StatusCode);
            await managers[1].LocalCluster.UnlockAsync(new UnlockRequest { UnlockKey = next.UnlockKey }, deadline: DateTime.UtcNow + Wait);
            await IssueAdminAsync(managers[1]);
        });
    }

    [Fact]
    public async Task A_joining_manager_receives_the_data_key_and_issues_after_a_restart()
    {
        await using var managers = SecureManagers.Create(2);
        await ExplainAsync(managers, async () =>
        {
            await managers.FormAsync();
            await EventuallyAsync(async () => await TryIssueAdminAsync(managers[1]), managers);
            await managers[1].StopAsync();
            managers[1].Start();
            await managers[1].WaitForSocketAsync(Wait);
            await IssueAdminAsync(managers[1]);
        });
    }

    /// <summary>Every file the raft member keeps: all of the data directory but the node's own identity and key file.</summary>
    private static string[] RaftFiles(string dataDirectory) => Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories)
        .Where(f => !f.StartsWith(Path.Combine(dataDirectory, "identity"), StringComparison.Ordinal) && !f.StartsWith(Path.Combine(dataDirectory, "keys"), StringComparison.Ordinal))
        .ToArray();

    /// <summary>The bytes every P-256 PKCS#8 private key starts with (.NET exports them all at one length).</summary>
    private static byte[] P256Pkcs8Header()
    {
        using var a = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var header = a.ExportPkcs8PrivateKey()[..36];
        Assert.Equal(header, b.ExportPkcs8PrivateKey()[..36]);
        return header;
    }

    private static bool Contains(byte[] content, byte[] needle) => content.AsSpan().IndexOf(needle) >= 0;

    /// <summary>An admin certificate from this manager; an election after a restart (no leader yet) is waited out.</summary>
    private static async Task<IssueAdminCertificateResponse> IssueAdminAsync(SecureManager manager)
    {
        using var key = NodeKey.Create();
        var until = DateTime.UtcNow + Wait;
        while (true)
        {
            try
            {
                return await manager.LocalCluster.IssueAdminCertificateAsync(new IssueAdminCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(key) }, deadline: DateTime.UtcNow + Wait);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && DateTime.UtcNow < until)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<bool> TryIssueAdminAsync(SecureManager manager)
    {
        try
        {
            await IssueAdminAsync(manager);
            return true;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable)
        {
            return false;
        }
    }

    private static async Task AssertLockedAsync(SecureManager manager)
    {
        var locked = await Assert.ThrowsAsync<RpcException>(() => IssueAdminAsync(manager));
        Assert.Equal(StatusCode.FailedPrecondition, locked.StatusCode);
        Assert.Contains("locked: run `ck cluster unlock`", locked.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, SecureManagers managers)
    {
        var until = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"condition not reached within {Wait.TotalSeconds} s\n{managers.Describe()}");
            }

            await Task.Delay(200);
        }
    }

    private static async Task ExplainAsync(SecureManagers managers, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is RpcException or Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new InvalidOperationException($"{e.Message}\n{managers.Describe()}", e);
        }
    }
}
