using ClusterKit.Shared.Hosting;

namespace ClusterKit.Shared.Tests.Hosting;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivateFilesTests : IDisposable
{
    private const UnixFileMode Loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode LooseDirectory = Loose | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private readonly string _root = Directory.CreateTempSubdirectory("ckt-private-").FullName;

    [Fact]
    public void Tightening_removes_group_and_other_bits_below_the_root_except_where_it_may_not_descend_and_never_through_a_symlink()
    {
        var data = Path.Combine(_root, "data");
        var record = Make(Path.Combine(data, "containers", "c1", "container.json"));
        var image = Make(Path.Combine(data, "containers", "c1", "upper", "etc", "passwd"));
        var outside = Make(Path.Combine(_root, "outside", "file"));
        File.CreateSymbolicLink(Path.Combine(data, "link"), outside);
        Directory.CreateSymbolicLink(Path.Combine(data, "dirlink"), Path.GetDirectoryName(outside)!);

        var changed = PrivateFiles.TightenTree(data, relative => relative != Path.Combine("containers", "c1", "upper"));

        Assert.Equal(4, changed); // data, containers, c1, container.json; upper is left alone, and so is all below it
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        Assert.Equal(LooseDirectory, File.GetUnixFileMode(Path.Combine(data, "containers", "c1", "upper")));
        Assert.Equal(Loose, File.GetUnixFileMode(image));
        Assert.Equal(Loose, File.GetUnixFileMode(outside));
        Assert.Equal(LooseDirectory, File.GetUnixFileMode(Path.GetDirectoryName(outside)!));
        Assert.Equal(3, PrivateFiles.TightenTree(data, _ => true)); // upper, etc and passwd were the loose ones left
    }

    [Fact]
    public void A_missing_root_is_nothing_to_tighten() => Assert.Equal(0, PrivateFiles.TightenTree(Path.Combine(_root, "absent"), _ => true));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Make(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, Loose);
        for (var directory = Path.GetDirectoryName(file)!; directory != _root; directory = Path.GetDirectoryName(directory)!)
        {
            File.SetUnixFileMode(directory, LooseDirectory);
        }

        return file;
    }
}
