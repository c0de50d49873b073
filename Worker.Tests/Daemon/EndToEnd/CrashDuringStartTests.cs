using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>
/// The worker SIGKILLs itself (its test-only crash point, CK_TEST_CRASH_AT) at each step of
/// `ck container run`; after a restart the container either runs and is tracked (reachable
/// on its published port) or is stopped and starts with one copy: never both, never two.
/// </summary>
[Collection(WorkerCrashCollection.Name)]
public sealed class CrashDuringStartTests(WorkerFixture fixture)
{
    private const string CrashVariable = "CK_TEST_CRASH_AT";

    /// <summary>Each step, and whether the command already ran when the worker died there.</summary>
    public static TheoryData<string, bool> Steps => new()
    {
        { "create:save", false },        // the record is written
        { "start:launch", false },
        { "start:prepare", false },
        { "start:rootfs", false },       // the overlay is mounted
        { "start:user", false },
        { "start:cgroup-wait", false },  // the cgroup exists
        { "start:plan", false },
        { "start:spawn", false },        // the shim is spawned
        { "start:clone", false },        // the init runs in its namespaces
        { "start:hook", false },         // the veth is in the container
        { "start:go", true },            // the process started
        { "start:runtime", true },
        { "start:save", true },          // the record's write is queued
        { "start:reply", true },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_worker_killed_during_a_start_leaves_the_container_either_tracked_or_startable(string step, bool ranBeforeTheCrash)
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var name = "crash-" + step.Replace(':', '-') + "-" + tag[..6];
        var port = 18200 + Steps.Select(row => (string)row[0]).ToList().IndexOf(step);
        await fixture.RestartWorkerAsync(kill: true, new Dictionary<string, string> { [CrashVariable] = step });
        try
        {
            var run = fixture.Ck("container", "run", "-d", "--name", name, "-e", "CK_CRASH_TAG=" + tag, "-p", $"{port}:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/var/www");
            Assert.True(run.ExitCode != 0, $"the run survived crash point {step}: {run.Output}");
            Assert.True(fixture.Worker.WaitForExit(TimeSpan.FromSeconds(30)), $"the worker did not die at {step}");
            await fixture.RestartWorkerAsync(kill: false);

            var id = IdOf(name);
            Assert.Equal(ranBeforeTheCrash ? "running" : "created", Status(name));
            Assert.Equal(ranBeforeTheCrash ? 1 : 0, Copies(id, tag));
            if (ranBeforeTheCrash)
            {
                AssertServes(port);
                Assert.Equal(0, fixture.Ck("container", "start", name).ExitCode);
                Assert.Equal(1, Copies(id, tag));
                Assert.Equal(0, fixture.Ck("container", "stop", "-t", "1", name).ExitCode);
                Assert.Equal(0, Copies(id, tag));
            }

            var start = fixture.Ck("container", "start", name);
            Assert.True(start.ExitCode == 0, start.Output);
            Assert.Equal("running", Status(name));
            Assert.Equal(1, Copies(id, tag));
            AssertServes(port);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
            if (fixture.Worker.HasExited)
            {
                await fixture.RestartWorkerAsync(kill: false);
            }
        }
    }

    private void AssertServes(int port)
    {
        var curl = fixture.InHost("curl", "-sS", "-o", "/dev/null", "-m", "5", $"http://127.0.0.1:{port}/");
        Assert.True(curl.ExitCode == 0, $"port {port}: {curl.Output}");
    }

    private JsonElement Inspect(string name)
    {
        var (code, output) = fixture.Ck("container", "inspect", name);
        Assert.True(code == 0, output);
        using var json = JsonDocument.Parse(output);
        return json.RootElement[0].Clone();
    }

    private string IdOf(string name) => Inspect(name).GetProperty("id").GetString()!;

    private string Status(string name) => Inspect(name).GetProperty("state").GetProperty("status").GetString()!;

    /// <summary>
    /// The container's command running anywhere on the host (found by its tag in the environment),
    /// checked to be all inside the container's cgroup.
    /// </summary>
    private int Copies(string id, string tag)
    {
        var marker = Encoding.ASCII.GetBytes("CK_CRASH_TAG=" + tag + "\0");
        var onHost = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
            .Where(pid => ReadEnvironment(pid).AsSpan().IndexOf(marker) >= 0)
            .ToHashSet();
        var inCgroup = Directory.GetDirectories("/sys/fs/cgroup")
            .Append("/sys/fs/cgroup")
            .Select(h => Path.Combine(h, fixture.Worker.Tag, id, "cgroup.procs"))
            .Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Select(line => int.Parse(line, CultureInfo.InvariantCulture))
            .ToHashSet();
        Assert.True(onHost.IsSubsetOf(inCgroup), $"processes of the container outside its cgroup: {string.Join(' ', onHost.Except(inCgroup))}");
        return onHost.Count;
    }

    private static byte[] ReadEnvironment(int pid)
    {
        try
        {
            return File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>The crash tests kill and restart their worker; they get one of their own.</summary>
[CollectionDefinition(Name)]
public sealed class WorkerCrashCollection : ICollectionFixture<WorkerFixture>
{
    public const string Name = "worker crash";
}
