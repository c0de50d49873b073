using System.Diagnostics;
using System.Runtime.Versioning;
using ClusterKit.Shared.Files;
using ClusterKit.TestKit;

namespace ClusterKit.Shared.Tests.Files;

[SupportedOSPlatform("linux")]
public sealed class AtomicFileTests
{
    [Fact]
    public async Task A_written_file_is_private_replaces_the_old_one_whole_and_leaves_no_temp_file()
    {
        using var dir = new TempDirectory("ckt-atomic");
        var path = dir.Combine("state.json");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        AtomicFile.WriteText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(path));
        Assert.Equal(["state.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        await AtomicFile.WriteAsync(path, "newer"u8.ToArray(), CancellationToken.None);
        Assert.Equal("newer", File.ReadAllText(path));
        Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failed_write_keeps_the_old_content_and_names_the_directory()
    {
        using var dir = new TempDirectory("ckt-atomic");
        var missing = dir.Combine("gone", "state.json");

        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteText(missing, "x"));
        Assert.False(Directory.Exists(dir.Combine("gone")));
    }

    [Fact]
    public void A_key_file_readable_by_others_is_refused_with_the_path_and_the_fix()
    {
        using var dir = new TempDirectory("ckt-atomic");
        var path = dir.Combine("node.pem");
        AtomicFile.WriteText(path, "key");
        Assert.Equal("key", PrivateKeyFile.ReadText(path, "node certificate file"));

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var error = Assert.Throws<InvalidDataException>(() => PrivateKeyFile.ReadText(path, "node certificate file"));
        Assert.Equal($"node certificate file {path} has mode 0604; allowed: 0600 (chmod 600 {path})", error.Message);
    }

    [Fact]
    public async Task Readers_see_the_old_content_or_the_new_whole_while_a_file_is_replaced_again_and_again()
    {
        using var dir = new TempDirectory("ckt-atomic");
        var path = dir.Combine("state.bin");
        const int Size = 256 * 1024;
        byte[][] versions = [Enumerable.Repeat((byte)'a', Size).ToArray(), Enumerable.Repeat((byte)'b', Size).ToArray()];
        AtomicFile.Write(path, versions[0]);

        using var done = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                var seen = File.ReadAllBytes(path);
                Assert.Equal(Size, seen.Length);
                Assert.True(seen.AsSpan().IndexOfAnyExcept(seen[0]) < 0, $"read {reads}: a file of mixed content");
                Interlocked.Increment(ref reads);
            }
        });

        // However the two threads are scheduled, reads overlap the replacements: at least 100 writes and 50 reads.
        var writes = 0;
        while ((writes < 100 || Volatile.Read(ref reads) < 50) && !reader.IsCompleted)
        {
            writes++;
            AtomicFile.Write(path, versions[writes % 2]);
        }

        await done.CancelAsync();
        await reader;
        Assert.Equal(versions[writes % 2], File.ReadAllBytes(path));
    }

    [Fact]
    public void A_write_cut_off_midway_by_a_full_disk_leaves_the_old_content_whole_and_no_temp_file()
    {
        using var dir = new TempDirectory("ckt-atomic");
        var mountPoint = dir.Combine("small");
        Directory.CreateDirectory(mountPoint);

        // A 64 KiB file system: the 1 MiB replacement fails with ENOSPC after its first pages reached the temp file.
        Run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "ckt-atomic", mountPoint);
        try
        {
            var path = Path.Combine(mountPoint, "state.json");
            AtomicFile.WriteText(path, "old");

            var error = Assert.ThrowsAny<IOException>(() => AtomicFile.Write(path, new byte[1024 * 1024]));
            Assert.Contains("space", error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(["state.json"], Directory.GetFiles(mountPoint).Select(Path.GetFileName));

            AtomicFile.WriteText(path, "new");
            Assert.Equal("new", File.ReadAllText(path));
        }
        finally
        {
            Run("umount", mountPoint);
        }
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: exit {process.ExitCode}: {stderr}");
    }
}
