using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Hosting;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Tests.Host;

/// <summary>
/// A real ck-manager started under umask 000 over a data directory an older version left
/// world-readable: its process umask is 077 (so the socket and every file are root-only from
/// the moment they exist), and after a cluster init nothing in the data directory is open to others.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class DataDirectoryPermissionsTests
{
    private const UnixFileMode Loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode LooseDirectory = Loose | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    [Fact]
    public async Task Everything_a_manager_writes_is_root_only_even_under_umask_000_and_an_older_loose_directory_is_tightened()
    {
        await using var managers = SecureManagers.Create(1);
        var manager = managers[0];
        var old = Path.Combine(manager.DataDirectory, "older");
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, "notes"), "from an older version");
        File.SetUnixFileMode(manager.DataDirectory, LooseDirectory);
        File.SetUnixFileMode(old, LooseDirectory);
        File.SetUnixFileMode(Path.Combine(old, "notes"), Loose);
        var outside = Path.Combine(Path.GetDirectoryName(manager.DataDirectory)!, "not-the-managers.txt");
        File.WriteAllText(outside, "someone else's");
        File.SetUnixFileMode(outside, Loose);
        File.CreateSymbolicLink(Path.Combine(manager.DataDirectory, "link"), outside);

        manager.LaunchUmask = "000";
        await managers.StartAllAsync();
        Assert.Equal(Convert.ToUInt32("077", 8), PrivateFiles.UmaskOf(manager.Pid));
        AssertRootOnly(manager.SocketPath);

        await manager.LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow.AddSeconds(60));
        using var key = NodeKey.Create();
        await manager.LocalCluster.IssueAdminCertificateAsync(new IssueAdminCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(key) }, deadline: DateTime.UtcNow.AddSeconds(30));
        await manager.LocalStore.ProposeAsync(new ProposeRequest { Transaction = SecureClusterTests.Put("k", "v") }, deadline: DateTime.UtcNow.AddSeconds(30));

        AssertRootOnly(manager.DataDirectory);
        var entries = new DirectoryInfo(manager.DataDirectory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Where(e => e.LinkTarget is null).ToArray();
        Assert.Contains(entries, e => e.Name == "data-key");
        Assert.Contains(entries, e => e.FullName.Contains("/wal", StringComparison.Ordinal));
        Assert.All(entries, e => AssertRootOnly(e.FullName));

        // The symlink was not followed: the file it points to is not the manager's to change.
        Assert.Equal(Loose, File.GetUnixFileMode(outside));
    }

    private static void AssertRootOnly(string path)
    {
        var mode = File.GetUnixFileMode(path);
        Assert.True((mode & PrivateFiles.GroupAndOther) == 0, $"{path} has mode {Convert.ToString((int)mode, 8)}: group or others may use it");
    }
}
