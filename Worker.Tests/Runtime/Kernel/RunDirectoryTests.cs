using ClusterKit.Worker.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>A container whose run files live apart from its directory (the worker puts them on a tmpfs).</summary>
public sealed class RunDirectoryTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    [Fact]
    public async Task Run_files_go_to_the_run_directory_and_lasting_files_to_the_container_directory()
    {
        var launch = bed.Shell("echo hi; echo kept > /root/file") with { RunDirectory = bed.NewContainerDirectory() };
        var container = await bed.StartAsync(launch);
        var exit = await container.WaitAsync(RuntimeTestbed.Timeout());

        Assert.Equal(0, exit.ExitCode);
        var paths = container.Paths;
        Assert.Equal(launch.RunDirectory, paths.RunDirectory);
        foreach (var file in new[] { paths.Plan, paths.Pid, paths.Exit, paths.Hostname })
        {
            Assert.StartsWith(launch.RunDirectory + "/", file, StringComparison.Ordinal);
            Assert.True(File.Exists(file), file);
        }

        Assert.True(Directory.Exists(Path.Combine(launch.RunDirectory!, "rootfs")));
        Assert.StartsWith(launch.ContainerDirectory + "/", container.LogPath, StringComparison.Ordinal);
        Assert.Contains("\"log\":\"hi\\n\"", File.ReadAllText(container.LogPath), StringComparison.Ordinal);
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(launch.ContainerDirectory, "upper", "root", "file")));
        Assert.Equal(
            ["container-json.log", "upper", "work"],
            Directory.EnumerateFileSystemEntries(launch.ContainerDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_new_runtime_adopts_through_the_run_directory_and_trash_removes_it()
    {
        var launch = bed.Shell("sleep 1; exit 5") with { RunDirectory = bed.NewContainerDirectory() };
        var container = await bed.StartAsync(launch);
        using var restarted = new ContainerRuntime(LinuxSystemCalls.Instance, null, TimeProvider.System, NullLogger<ContainerRuntime>.Instance);

        Assert.Null(restarted.Adopt(launch.ContainerDirectory));
        using var adopted = restarted.Adopt(launch.ContainerDirectory, launch.RunDirectory);
        Assert.NotNull(adopted);
        Assert.Equal(ContainerState.Running, adopted.State);
        Assert.Equal(container.InitPid, adopted.InitPid);
        Assert.Equal(5, (await adopted.WaitAsync(RuntimeTestbed.Timeout())).ExitCode);

        var trash = launch.ContainerDirectory + "-trash";
        await adopted.MoveToTrashAsync(trash, RuntimeTestbed.Timeout());

        Assert.False(Directory.Exists(launch.RunDirectory));
        Assert.False(Directory.Exists(launch.ContainerDirectory));
        Assert.True(Directory.Exists(Path.Combine(trash, "upper")));
        Directory.Delete(trash, recursive: true);
    }
}
