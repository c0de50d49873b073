using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Tests.Layers;

public sealed class WhiteoutsTests
{
    [Theory]
    [InlineData("etc/passwd", "None", "etc/passwd")]
    [InlineData("etc/.wh.passwd", "Remove", "etc/passwd")]
    [InlineData(".wh.tmp", "Remove", "tmp")]
    [InlineData("var/cache/.wh..wh..opq", "Opaque", "var/cache")]
    [InlineData(".wh..wh..opq", "Opaque", "")]
    [InlineData(".wh..wh.plnk/123", "None", ".wh..wh.plnk/123")]
    [InlineData("a/.wh..wh.plnk", "Metadata", "a/.wh..wh.plnk")]
    [InlineData("etc/.whx", "None", "etc/.whx")]
    public void Tar_names_classify(string path, string kind, string target)
    {
        Assert.Equal(Enum.Parse<WhiteoutKind>(kind), Whiteouts.Classify(path, out var actual));
        Assert.Equal(target, actual);
    }

    [Theory]
    [InlineData("etc/passwd", "etc/.wh.passwd")]
    [InlineData("tmp", ".wh.tmp")]
    [InlineData("a/b/c", "a/b/.wh.c")]
    public void Removal_entries_round_trip(string path, string entry)
    {
        Assert.Equal(entry, Whiteouts.RemovalEntryFor(path));
        Assert.Equal(WhiteoutKind.Remove, Whiteouts.Classify(entry, out var target));
        Assert.Equal(path, target);
    }

    [Fact]
    public void Opaque_entries_round_trip()
    {
        Assert.Equal("var/cache/.wh..wh..opq", Whiteouts.OpaqueEntryFor("var/cache"));
        Assert.Equal(WhiteoutKind.Opaque, Whiteouts.Classify(Whiteouts.OpaqueEntryFor("var/cache"), out var target));
        Assert.Equal("var/cache", target);
    }

    [Fact]
    public void Only_a_0_0_character_device_is_an_overlay_whiteout()
    {
        static FileStatus Node(FileNodeType type, int major, int minor) =>
            new(type, UnixFileMode.None, 0, 0, 0, DateTimeOffset.UnixEpoch, major, minor, 1, 1, 1);

        Assert.True(Whiteouts.IsOverlayWhiteout(Node(FileNodeType.CharacterDevice, 0, 0)));
        Assert.False(Whiteouts.IsOverlayWhiteout(Node(FileNodeType.CharacterDevice, 1, 3)));
        Assert.False(Whiteouts.IsOverlayWhiteout(Node(FileNodeType.BlockDevice, 0, 0)));
        Assert.False(Whiteouts.IsOverlayWhiteout(Node(FileNodeType.RegularFile, 0, 0)));
        Assert.True(Whiteouts.IsOpaqueValue("y"u8.ToArray()));
        Assert.False(Whiteouts.IsOpaqueValue(null));
        Assert.False(Whiteouts.IsOpaqueValue("n"u8.ToArray()));
    }
}
