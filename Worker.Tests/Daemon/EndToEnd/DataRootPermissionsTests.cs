using ClusterKit.Shared.Hosting;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>
/// The real ck-worker's files: its umask is 077, its socket root-only, and after a container run
/// nothing it wrote under its data and run roots is open to group or others (the image content in
/// layers and upper dirs keeps its own modes below root-only directories), while a non-root USER in
/// the container still reads the image's files and the files mounted for it.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class DataRootPermissionsTests(WorkerFixture fixture)
{
    private const UnixFileMode Loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode LooseDirectory = Loose | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    [Fact]
    public void A_container_runs_as_a_non_root_user_while_everything_the_worker_writes_is_root_only()
    {
        Assert.Equal(Convert.ToUInt32("077", 8), PrivateFiles.UmaskOf(fixture.Worker.Pid));
        AssertRootOnly(fixture.Worker.Socket);

        var name = "perm-" + Guid.NewGuid().ToString("N")[..6];
        var run = fixture.Ck(
            "container", "run", "-d", "--name", name, "--network", "none", "--user", "1001:1001", "-e", "DB_PASSWORD=hunter2", "busybox",
            "sh", "-c", "id -u; umask; cat /etc/passwd /etc/hostname > /dev/null && for f in /etc/hosts /etc/resolv.conf; do [ ! -e $f ] || cat $f > /dev/null || exit 1; done && echo read-ok; echo mine > /tmp/mine && cat /tmp/mine; sleep 600");
        Assert.True(run.ExitCode == 0, run.Output);
        try
        {
            var logs = Eventually(() => fixture.Ck("container", "logs", name).Output, o => o.Contains("mine", StringComparison.Ordinal));
            Assert.Contains("1001", logs, StringComparison.Ordinal);
            Assert.Contains("0022", logs, StringComparison.Ordinal);
            Assert.Contains("read-ok", logs, StringComparison.Ordinal);

            foreach (var root in new[] { fixture.Worker.DataRoot, fixture.Worker.RunRoot })
            {
                AssertRootOnly(root);
                foreach (var path in NodeWritten(root))
                {
                    AssertRootOnly(path);
                }
            }

            // The record holding the container's environment is among them.
            Assert.Contains(NodeWritten(fixture.Worker.DataRoot), p => p.EndsWith("container.json", StringComparison.Ordinal) && File.ReadAllText(p).Contains("DB_PASSWORD", StringComparison.Ordinal));
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_restarted_worker_tightens_what_an_older_version_left_readable()
    {
        var name = "old-" + Guid.NewGuid().ToString("N")[..6];
        var run = fixture.Ck("container", "run", "-d", "--name", name, "--network", "none", "-e", "DB_PASSWORD=hunter2", "busybox", "sleep", "600");
        Assert.True(run.ExitCode == 0, run.Output);
        try
        {
            var containers = Path.Combine(fixture.Worker.DataRoot, "containers");
            var record = Directory.EnumerateFiles(containers, "container.json", SearchOption.AllDirectories).First(f => File.ReadAllText(f).Contains(name, StringComparison.Ordinal));
            File.SetUnixFileMode(fixture.Worker.DataRoot, LooseDirectory);
            File.SetUnixFileMode(containers, LooseDirectory);
            File.SetUnixFileMode(Path.GetDirectoryName(record)!, LooseDirectory);
            File.SetUnixFileMode(record, Loose);

            await fixture.RestartWorkerAsync(kill: false);

            AssertRootOnly(fixture.Worker.DataRoot);
            AssertRootOnly(containers);
            AssertRootOnly(Path.GetDirectoryName(record)!);
            AssertRootOnly(record);
            var exec = fixture.Ck("container", "exec", name, "cat", "/etc/hostname");
            Assert.True(exec.ExitCode == 0, exec.Output);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    /// <summary>
    /// Everything below a root that the worker writes itself: not the image content that
    /// <see cref="ClusterKit.Worker.Hosting.DataRootPermissions"/> leaves alone (layers, upper and
    /// work dirs, rootfs mount points, the files bind-mounted into containers).
    /// </summary>
    private static IEnumerable<string> NodeWritten(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            foreach (var entry in new DirectoryInfo(pending.Pop()).EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Split('/');
                if (entry.LinkTarget is not null || IsImageContent(relative))
                {
                    continue;
                }

                yield return entry.FullName;
                if (entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                }
            }
        }
    }

    private static bool IsImageContent(string[] relative) => relative switch
    {
        ["containers", _, "upper" or "work" or "rootfs" or "hosts" or "hostname" or "resolv.conf", ..] => true,
        ["images", "layers" or "tmp", _, ..] => true,
        _ => false,
    };

    private static void AssertRootOnly(string path)
    {
        var mode = File.GetUnixFileMode(path);
        Assert.True((mode & PrivateFiles.GroupAndOther) == 0, $"{path} has mode {Convert.ToString((int)mode, 8)}: group or others may use it");
    }

    private static string Eventually(Func<string> read, Func<string, bool> done)
    {
        var last = string.Empty;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            last = read();
            if (done(last))
            {
                return last;
            }

            Thread.Sleep(200);
        }

        return last;
    }
}
