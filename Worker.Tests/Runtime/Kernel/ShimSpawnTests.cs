using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>The shim is spawned with posix_spawn on two pipes and reaped by the exit watcher.</summary>
public sealed class ShimSpawnTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    [Fact]
    public void Spawn_connects_stdin_and_stdout_and_passes_no_environment()
    {
        var calls = LinuxSystemCalls.Instance;
        var input = calls.CreatePipe();
        var output = calls.CreatePipe();
        int pid;
        try
        {
            pid = calls.Spawn("/bin/sh", ["sh", "-c", "read line; echo \"got $line env $(env | wc -l)\""], input.Read, output.Write);
        }
        finally
        {
            calls.CloseDescriptor(input.Read);
            calls.CloseDescriptor(output.Write);
        }

        var pidfd = calls.OpenProcessDescriptor(pid);
        try
        {
            using (var toChild = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(input.Write, ownsHandle: true), FileAccess.Write))
            {
                toChild.Write("hello\n"u8);
            }

            using var fromChild = new StreamReader(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(output.Read, ownsHandle: true), FileAccess.Read));
            // sh itself sets PWD (and a few more); nothing of the test host's environment arrives.
            var line = fromChild.ReadToEnd();
            Assert.StartsWith("got hello env ", line, StringComparison.Ordinal);
            Assert.InRange(int.Parse(line["got hello env ".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture), 0, 4);

            var ready = new bool[1];
            Assert.Equal(1, calls.WaitReadable([pidfd], ready, 10_000));
            Assert.True(calls.ReapChild(pidfd));
            Assert.False(File.Exists($"/proc/{pid}/stat"));
        }
        finally
        {
            calls.CloseDescriptor(pidfd);
        }
    }

    [Fact]
    public async Task An_exited_shim_is_reaped_and_leaves_no_zombie()
    {
        var container = await bed.StartAsync(bed.Launch("true"));

        await container.WaitAsync(RuntimeTestbed.Timeout());

        // The watcher reaps before it reports the exit.
        Assert.False(File.Exists($"/proc/{container.ShimPid}/stat"), $"shim {container.ShimPid} is still in /proc (a zombie)");
    }
}
