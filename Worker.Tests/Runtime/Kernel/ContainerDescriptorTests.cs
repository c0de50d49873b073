using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>
/// A container's process gets descriptors 0, 1 and 2 only, whatever its starter held open
/// without close-on-exec (a shell that started the worker, a test runner's pipes).
/// </summary>
public sealed partial class ContainerDescriptorTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    private const int FGetFd = 1;
    private const int FSetFd = 2;

    [Fact]
    public async Task A_container_process_holds_only_the_standard_descriptors()
    {
        using var stray = InheritableDescriptor();

        var (exit, stdout, _) = await bed.RunAsync(bed.Shell(ListShellDescriptors));

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal("0 1 2", OneLine(stdout));
    }

    [Fact]
    public async Task An_exec_process_holds_only_the_standard_descriptors()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));
        using var stray = InheritableDescriptor();

        using var exec = await container.ExecAsync(new ExecOptions { Args = ["sh", "-c", ListShellDescriptors] }, RuntimeTestbed.Timeout());
        var stdout = await new StreamReader(exec.StandardOutput).ReadToEndAsync();

        Assert.Equal(0, await exec.WaitAsync(RuntimeTestbed.Timeout()));
        Assert.Equal("0 1 2", OneLine(stdout));
        await container.StopAsync(9, TimeSpan.Zero, RuntimeTestbed.Timeout());
    }

    /// <summary>
    /// The shell's own descriptors, listed by a child with no pipeline: a pipe (`ls | tr`) would show the shell's copy of
    /// the pipe as 3 while it sets the pipeline up (it did, once, under load). The `true` after it keeps the shell from
    /// running ls in its own place, where ls would list its own open directory.
    /// </summary>
    private const string ListShellDescriptors = "ls /proc/$$/fd; true";

    private static string OneLine(string listing) => string.Join(' ', listing.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>An open file without close-on-exec, as a worker inherits from the shell that started it.</summary>
    private static FileStream InheritableDescriptor()
    {
        var file = new FileStream("/dev/null", FileMode.Open, FileAccess.Read);
        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        var flags = Fcntl(fd, FGetFd, 0);
        Assert.True(flags >= 0 && Fcntl(fd, FSetFd, flags & ~1) == 0, "could not clear FD_CLOEXEC");
        return file;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
