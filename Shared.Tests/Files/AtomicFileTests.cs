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
}
