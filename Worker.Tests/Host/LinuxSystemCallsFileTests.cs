using System.Text;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Host.Tests;

/// <summary>The file-system calls of the syscall seam against the real kernel, in a temporary directory.</summary>
public sealed class LinuxSystemCallsFileTests : IDisposable
{
    private const int ENOENT = 2;
    private const int EEXIST = 17;

    private readonly TempDirectory _directory = new("ckt-host");
    private readonly LinuxSystemCalls _calls = LinuxSystemCalls.Instance;

    [Fact]
    public void Statx_of_a_file_reports_its_type_mode_size_owner_and_links()
    {
        var file = _directory.Combine("file");
        File.WriteAllText(file, "twelve bytes");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var status = _calls.GetFileStatus(file);

        Assert.Equal(FileNodeType.RegularFile, status.Type);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, status.Permissions);
        Assert.Equal(12, status.Size);
        Assert.Equal(0, status.Uid);
        Assert.Equal(0, status.Gid);
        Assert.Equal(1, status.LinkCount);
        Assert.NotEqual(0UL, status.Inode);
        Assert.Equal(_calls.GetFileStatus(_directory.Path).Device, status.Device);
    }

    [Fact]
    public void Statx_of_a_directory_and_of_a_symlink_does_not_follow_the_link()
    {
        var directory = _directory.Combine("dir");
        Directory.CreateDirectory(directory);
        var link = _directory.Combine("link");
        File.CreateSymbolicLink(link, "dir");

        Assert.Equal(FileNodeType.Directory, _calls.GetFileStatus(directory).Type);
        var linkStatus = _calls.GetFileStatus(link);
        Assert.Equal(FileNodeType.SymbolicLink, linkStatus.Type);
        Assert.Equal("dir".Length, linkStatus.Size);
        Assert.NotEqual(_calls.GetFileStatus(directory).Inode, linkStatus.Inode);
    }

    [Fact]
    public void Statx_of_a_missing_path_names_the_call_the_path_and_enoent()
    {
        var missing = _directory.Combine("absent");

        var error = Assert.Throws<KernelCallException>(() => _calls.GetFileStatus(missing));

        Assert.Equal("statx", error.Call);
        Assert.Equal(missing, error.Subject);
        Assert.Equal(ENOENT, error.Errno);
        Assert.Equal($"statx({missing}) failed: No such file or directory (errno 2)", error.Message);
    }

    [Fact]
    public void Mknod_makes_a_fifo_and_a_character_device_with_their_numbers()
    {
        var fifo = _directory.Combine("fifo");
        var device = _directory.Combine("null");

        _calls.MakeNode(fifo, FileNodeType.Fifo, UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0);
        _calls.MakeNode(device, FileNodeType.CharacterDevice, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, 1, 3);

        var fifoStatus = _calls.GetFileStatus(fifo);
        Assert.Equal(FileNodeType.Fifo, fifoStatus.Type);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, fifoStatus.Permissions);
        var deviceStatus = _calls.GetFileStatus(device);
        Assert.Equal(FileNodeType.CharacterDevice, deviceStatus.Type);
        Assert.Equal((1, 3), (deviceStatus.DeviceMajor, deviceStatus.DeviceMinor));
    }

    [Fact]
    public void Mknod_over_an_existing_name_is_eexist_and_a_regular_file_is_refused_before_the_call()
    {
        var taken = _directory.Combine("taken");
        File.WriteAllText(taken, "x");

        var error = Assert.Throws<KernelCallException>(() => _calls.MakeNode(taken, FileNodeType.Fifo, UnixFileMode.UserRead, 0, 0));
        Assert.Equal("mknod", error.Call);
        Assert.Equal(EEXIST, error.Errno);
        Assert.Contains(taken, error.Message, StringComparison.Ordinal);

        var refused = Assert.Throws<ArgumentException>(() => _calls.MakeNode(_directory.Combine("plain"), FileNodeType.RegularFile, UnixFileMode.UserRead, 0, 0));
        Assert.Contains("allowed: CharacterDevice, BlockDevice, Fifo", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.Combine("plain")));
    }

    [Fact]
    public void Link_shares_the_inode_and_counts_two_links()
    {
        var original = _directory.Combine("original");
        var second = _directory.Combine("second");
        File.WriteAllText(original, "shared");

        _calls.CreateHardLink(original, second);

        Assert.Equal(_calls.GetFileStatus(original).Inode, _calls.GetFileStatus(second).Inode);
        Assert.Equal(2, _calls.GetFileStatus(original).LinkCount);
        Assert.Equal("shared", File.ReadAllText(second));
        var error = Assert.Throws<KernelCallException>(() => _calls.CreateHardLink(_directory.Combine("none"), _directory.Combine("third")));
        Assert.Equal(("link", ENOENT), (error.Call, error.Errno));
    }

    [Fact]
    public void Lchown_changes_the_owner_of_the_symlink_and_not_of_its_target()
    {
        var target = _directory.Combine("target");
        var link = _directory.Combine("owned-link");
        File.WriteAllText(target, "t");
        File.CreateSymbolicLink(link, target);

        _calls.ChangeOwner(link, 4321, 8765);

        var linkStatus = _calls.GetFileStatus(link);
        Assert.Equal((4321, 8765), (linkStatus.Uid, linkStatus.Gid));
        var targetStatus = _calls.GetFileStatus(target);
        Assert.Equal((0, 0), (targetStatus.Uid, targetStatus.Gid));
    }

    [Fact]
    public void Utimensat_sets_the_modification_time_of_a_symlink_itself_to_the_microsecond()
    {
        var target = _directory.Combine("dated-target");
        var link = _directory.Combine("dated-link");
        File.WriteAllText(target, "t");
        File.CreateSymbolicLink(link, target);
        var time = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(1_234_560);

        _calls.SetModificationTime(link, time);

        Assert.Equal(time, _calls.GetFileStatus(link).ModificationTime);
        Assert.NotEqual(time, _calls.GetFileStatus(target).ModificationTime);
    }

    [Fact]
    public void Extended_attributes_round_trip_through_set_list_and_get()
    {
        var file = _directory.Combine("attributed");
        File.WriteAllText(file, "x");
        var value = Encoding.UTF8.GetBytes("ckt value\0with a nul");

        _calls.SetExtendedAttribute(file, "user.ckt.one", value);
        _calls.SetExtendedAttribute(file, "trusted.ckt.two", [1, 2, 3]);

        Assert.Equal(value, _calls.GetExtendedAttribute(file, "user.ckt.one"));
        Assert.Equal([1, 2, 3], _calls.GetExtendedAttribute(file, "trusted.ckt.two"));
        Assert.Null(_calls.GetExtendedAttribute(file, "user.ckt.absent"));
        var names = _calls.ListExtendedAttributes(file);
        Assert.Contains("user.ckt.one", names);
        Assert.Contains("trusted.ckt.two", names);
        Assert.DoesNotContain(_calls.ListExtendedAttributes(_directory.Path), n => n.Contains("ckt", StringComparison.Ordinal));
    }

    [Fact]
    public void Extended_attribute_calls_on_a_missing_path_carry_the_call_and_enoent()
    {
        var missing = _directory.Combine("gone");

        var set = Assert.Throws<KernelCallException>(() => _calls.SetExtendedAttribute(missing, "user.ckt", [1]));
        var get = Assert.Throws<KernelCallException>(() => _calls.GetExtendedAttribute(missing, "user.ckt"));
        var list = Assert.Throws<KernelCallException>(() => _calls.ListExtendedAttributes(missing));

        Assert.Equal(("lsetxattr", ENOENT), (set.Call, set.Errno));
        Assert.Equal(("lgetxattr", ENOENT), (get.Call, get.Errno));
        Assert.Equal(("llistxattr", ENOENT), (list.Call, list.Errno));
        Assert.Equal($"{missing} user.ckt", get.Subject);
    }

    public void Dispose() => _directory.Dispose();
}
