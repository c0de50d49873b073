using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Tests.Layers;

/// <summary>Real files (run as root): pack a tree into a layer tar and unpack it elsewhere.</summary>
public sealed class LayerRoundTripTests : IDisposable
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);
    private readonly TempDirectory _temp = new("ckt-layer");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Every_kind_of_node_survives_pack_and_unpack()
    {
        var source = BuildRichTree(_temp.Combine("source"));

        var (tar, _) = await LayerFiles.PackAsync(source, LayerSource.Directory);
        var target = _temp.Combine("target");
        await LayerFiles.UnpackAsync(tar, target);

        var expected = LayerFiles.Describe(source);
        Assert.Equal(expected, LayerFiles.Describe(target));
        Assert.Contains(expected, l => l.StartsWith("bin/passwd RegularFile 4755 0:0", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("dev/null CharacterDevice 666 0:0", StringComparison.Ordinal) && l.Contains(" 1:3", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("dev/loop9 BlockDevice 660 0:6", StringComparison.Ordinal) && l.Contains(" 7:9", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("run/queue Fifo", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.Contains("hardlink-of home/app/data-link.txt", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("home/app/data.txt RegularFile 640 1000:1000", StringComparison.Ordinal) && l.EndsWith("user.origin=ck test", StringComparison.Ordinal));
        Assert.Contains(expected, l => l == "etc/localtime SymbolicLink - 0:0 - -> /usr/share/zoneinfo/UTC");
    }

    [Fact]
    public async Task The_same_tree_gives_the_same_digest_whatever_the_creation_order_and_times_below_a_second()
    {
        var first = _temp.Combine("first");
        var second = _temp.Combine("second");
        BuildRichTree(first);
        BuildRichTree(second, reverse: true);

        var (_, firstDigest) = await LayerFiles.PackAsync(first, LayerSource.Directory);
        var (_, again) = await LayerFiles.PackAsync(first, LayerSource.Directory);
        var (_, secondDigest) = await LayerFiles.PackAsync(second, LayerSource.Directory);
        LayerFiles.Write(second, "home/app/data.txt", "changed");
        var (_, changed) = await LayerFiles.PackAsync(second, LayerSource.Directory);

        Assert.Equal(firstDigest, again);
        Assert.Equal(firstDigest, secondDigest);
        Assert.NotEqual(firstDigest, changed);
    }

    [Fact]
    public async Task Overlay_whiteouts_become_aufs_entries_and_come_back_as_overlay_whiteouts()
    {
        var upper = _temp.Combine("upper");
        Directory.CreateDirectory(Path.Combine(upper, "etc"));
        LayerFiles.Kernel.MakeNode(Path.Combine(upper, "etc", "hostname"), FileNodeType.CharacterDevice, UnixFileMode.None, 0, 0);
        LayerFiles.Write(upper, "var/cache/fresh.txt", "new");
        LayerFiles.Kernel.SetExtendedAttribute(Path.Combine(upper, "var", "cache"), "trusted.overlay.opaque", "y"u8.ToArray());
        LayerFiles.Kernel.SetExtendedAttribute(Path.Combine(upper, "var"), "trusted.overlay.impure", "y"u8.ToArray());
        LayerFiles.Write(upper, "root/new.txt", "hello");

        var (tar, _) = await LayerFiles.PackAsync(upper, LayerSource.OverlayUpper);
        var names = LayerFiles.EntryNames(tar);
        var unpacked = _temp.Combine("unpacked");
        await LayerFiles.UnpackAsync(tar, unpacked);

        Assert.Equal(["etc/", "etc/.wh.hostname", "root/", "root/new.txt", "var/", "var/cache/", "var/cache/.wh..wh..opq", "var/cache/fresh.txt"], names);
        var whiteout = LayerFiles.Kernel.GetFileStatus(Path.Combine(unpacked, "etc", "hostname"));
        Assert.Equal((FileNodeType.CharacterDevice, 0, 0), (whiteout.Type, whiteout.DeviceMajor, whiteout.DeviceMinor));
        Assert.Equal("y"u8.ToArray(), LayerFiles.Kernel.GetExtendedAttribute(Path.Combine(unpacked, "var", "cache"), "trusted.overlay.opaque"));
        Assert.Null(LayerFiles.Kernel.GetExtendedAttribute(Path.Combine(unpacked, "var"), "trusted.overlay.impure"));
        Assert.False(File.Exists(Path.Combine(unpacked, "var", "cache", ".wh..wh..opq")));
        Assert.Equal("new", await File.ReadAllTextAsync(Path.Combine(unpacked, "var", "cache", "fresh.txt")));
    }

    [Fact]
    public async Task An_empty_directory_and_a_tree_of_only_pax_entries_are_complete_tars()
    {
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);
        var onlyPax = _temp.Combine("pax");
        LayerFiles.Write(onlyPax, "note", "with attribute");
        LayerFiles.Kernel.SetExtendedAttribute(Path.Combine(onlyPax, "note"), "user.kind", "memo"u8.ToArray());

        var (emptyTar, _) = await LayerFiles.PackAsync(empty, LayerSource.Directory);
        var (paxTar, _) = await LayerFiles.PackAsync(onlyPax, LayerSource.Directory);
        var unpacked = _temp.Combine("unpacked");
        await LayerFiles.UnpackAsync(paxTar, unpacked);
        await LayerFiles.UnpackAsync(emptyTar, _temp.Combine("unpacked-empty"));

        Assert.Equal(new byte[1024], emptyTar);
        Assert.Equal(new byte[1024], paxTar[^1024..]);
        Assert.Equal(0, paxTar.Length % 512);
        Assert.Equal(["note"], LayerFiles.EntryNames(paxTar));
        Assert.Equal("memo"u8.ToArray(), LayerFiles.Kernel.GetExtendedAttribute(Path.Combine(unpacked, "note"), "user.kind"));
        Assert.DoesNotContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.ASCII.GetString(paxTar[..100]), StringComparison.Ordinal);

        // GNU tar checks header checksums, so it vouches for the rewritten PAX header.
        var file = _temp.Combine("pax.tar");
        await File.WriteAllBytesAsync(file, paxTar);
        using var tar = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("tar", ["--xattrs", "-tvf", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var listing = await tar.StandardOutput.ReadToEndAsync();
        var errors = await tar.StandardError.ReadToEndAsync();
        await tar.WaitForExitAsync();
        Assert.True(tar.ExitCode == 0, errors);
        Assert.Contains(" note", listing, StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_plain_directory_keeps_character_devices_as_devices()
    {
        var tree = _temp.Combine("plain");
        Directory.CreateDirectory(tree);
        LayerFiles.Kernel.MakeNode(Path.Combine(tree, "zero"), FileNodeType.CharacterDevice, UnixFileMode.None, 0, 0);

        var (tar, _) = await LayerFiles.PackAsync(tree, LayerSource.Directory);

        Assert.Equal(["zero"], LayerFiles.EntryNames(tar));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("etc/../../escape.txt")]
    public async Task Entries_with_dot_dot_are_refused(string name)
    {
        var tar = LayerFiles.BuildTar(LayerFiles.FileEntry(name, "x"));
        var target = _temp.Combine("t");

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => LayerFiles.UnpackAsync(tar, target));

        Assert.Equal($"entry '{name}' escapes the root of the tar ('..' is not allowed in entry paths)", error.Message);
        Assert.False(File.Exists(_temp.Combine("escape.txt")));
    }

    [Theory]
    [InlineData("etc/.wh...")]
    [InlineData("etc/.wh..")]
    [InlineData(".wh.")]
    public async Task Whiteouts_that_name_no_file_are_refused(string name)
    {
        var keep = _temp.Combine("t", "etc", "keep");
        LayerFiles.Write(_temp.Combine("t"), "etc/keep", "still here");
        var tar = LayerFiles.BuildTar(LayerFiles.FileEntry(name, string.Empty));

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => LayerFiles.UnpackAsync(tar, _temp.Combine("t")));

        Assert.Equal($"whiteout '{name}' names no file ('.wh.' must be followed by a file name)", error.Message);
        Assert.True(File.Exists(keep));
    }

    [Fact]
    public async Task Only_a_directory_may_stand_for_the_layer_root()
    {
        var tar = LayerFiles.BuildTar(LayerFiles.FileEntry("./", "x"));

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => LayerFiles.UnpackAsync(tar, _temp.Combine("t")));

        Assert.Equal("entry './' is a RegularFile at the layer root; only a directory may stand for the root", error.Message);
    }

    [Fact]
    public async Task Writing_through_a_symlink_is_refused_but_the_symlink_itself_may_point_anywhere()
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        var tar = LayerFiles.BuildTar(
            LayerFiles.LinkEntry(System.Formats.Tar.TarEntryType.SymbolicLink, "etc", outside),
            LayerFiles.FileEntry("etc/passwd", "root::0:0::/:/bin/sh"));
        var target = _temp.Combine("t");

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => LayerFiles.UnpackAsync(tar, target));

        Assert.Equal("entry below 'etc' would be written through a symlink, outside the layer's own directories", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal(outside, new FileInfo(Path.Combine(target, "etc")).LinkTarget);
    }

    [Fact]
    public async Task A_hard_link_out_of_the_layer_is_refused()
    {
        var tar = LayerFiles.BuildTar(LayerFiles.LinkEntry(System.Formats.Tar.TarEntryType.HardLink, "shadow", "../../etc/shadow"));

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => LayerFiles.UnpackAsync(tar, _temp.Combine("t")));

        Assert.Contains("escapes the root of the tar", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whiteouts_go_through_the_kernel_seam()
    {
        var fake = new RecordingSystemCalls();
        var tar = LayerFiles.BuildTar(LayerFiles.DirectoryEntry("etc/"), LayerFiles.FileEntry("etc/.wh.motd", string.Empty), LayerFiles.FileEntry("tmp/.wh..wh..opq", string.Empty));
        var target = _temp.Combine("t");

        await LayerFiles.UnpackAsync(tar, target, fake);

        Assert.Contains($"mknod {target}/etc/motd CharacterDevice 0:0", fake.Calls);
        Assert.Contains($"setxattr {target}/tmp trusted.overlay.opaque=y", fake.Calls);
        Assert.False(File.Exists(Path.Combine(target, "etc", ".wh.motd")));
    }

    private static string BuildRichTree(string root, bool reverse = false)
    {
        var k = LayerFiles.Kernel;
        var steps = new List<Action>
        {
            () => LayerFiles.Write(root, "bin/passwd", "setuid binary", (UnixFileMode)0b100_111_101_101),
            () => LayerFiles.Write(root, "home/app/data.txt", "app data", (UnixFileMode)0b110_100_000),
            () => LayerFiles.Write(root, "a/very/" + new string('d', 120) + "/long-name-" + new string('f', 110) + ".txt", "long"),
            () => Directory.CreateDirectory(Path.Combine(root, "dev")),
            () => Directory.CreateDirectory(Path.Combine(root, "run")),
            () => Directory.CreateDirectory(Path.Combine(root, "etc")),
            () => Directory.CreateDirectory(Path.Combine(root, "empty")),
        };
        if (reverse)
        {
            steps.Reverse();
        }

        foreach (var step in steps)
        {
            step();
        }

        k.MakeNode(Path.Combine(root, "dev", "null"), FileNodeType.CharacterDevice, (UnixFileMode)0b110_110_110, 1, 3);
        File.SetUnixFileMode(Path.Combine(root, "dev", "null"), (UnixFileMode)0b110_110_110);
        k.MakeNode(Path.Combine(root, "dev", "loop9"), FileNodeType.BlockDevice, (UnixFileMode)0b110_110_000, 7, 9);
        File.SetUnixFileMode(Path.Combine(root, "dev", "loop9"), (UnixFileMode)0b110_110_000);
        k.ChangeOwner(Path.Combine(root, "dev", "loop9"), 0, 6);
        k.MakeNode(Path.Combine(root, "run", "queue"), FileNodeType.Fifo, (UnixFileMode)0b110_100_100, 0, 0);
        File.SetUnixFileMode(Path.Combine(root, "run", "queue"), (UnixFileMode)0b110_100_100);
        k.CreateHardLink(Path.Combine(root, "home", "app", "data.txt"), Path.Combine(root, "home", "app", "data-link.txt"));
        k.ChangeOwner(Path.Combine(root, "home", "app", "data.txt"), 1000, 1000);
        File.SetUnixFileMode(Path.Combine(root, "home", "app", "data.txt"), (UnixFileMode)0b110_100_000);
        k.ChangeOwner(Path.Combine(root, "home", "app"), 1000, 1000);
        k.SetExtendedAttribute(Path.Combine(root, "home", "app", "data.txt"), "user.origin", "ck test"u8.ToArray());
        File.CreateSymbolicLink(Path.Combine(root, "etc", "localtime"), "/usr/share/zoneinfo/UTC");
        File.CreateSymbolicLink(Path.Combine(root, "bin", "sh"), "passwd");
        File.SetUnixFileMode(Path.Combine(root, "bin", "passwd"), (UnixFileMode)0b100_111_101_101);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true }).OrderDescending(StringComparer.Ordinal))
        {
            k.SetModificationTime(path, Time.AddMilliseconds(reverse ? 300 : 700));
        }

        return root;
    }
}
