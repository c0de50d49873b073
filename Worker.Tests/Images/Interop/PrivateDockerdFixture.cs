using System.Security.Cryptography;
using System.Text.Json;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Images.Tests.Interop;

/// <summary>
/// Debian's docker.io installed (scripts/setup.sh --interop) and one dockerd private to a
/// /tmp/ckt-&lt;hex&gt; directory (scripts/private-dockerd.sh), plus a busybox rootfs and a scratch
/// directory. If dockerd cannot start, initialisation throws with dockerd's own log, so the tests fail.
/// </summary>
public sealed class PrivateDockerdFixture : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DockerTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _temp = new("ckt-interop");

    public PrivateDockerdFixture()
    {
        // Short and unique: containerd's socket lives below it and unix socket paths are limited to 108 bytes.
        DockerDirectory = "/tmp/ckt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    public string DockerDirectory { get; }

    public string Host => "unix://" + Path.Combine(DockerDirectory, "docker.sock");

    public string Rootfs { get; private set; } = "";

    public string ServerVersion { get; private set; } = "";

    public string Combine(params string[] parts) => _temp.Combine(parts);

    public async Task InitializeAsync()
    {
        await HostProcess.RunCheckedAsync("bash", [RepoPaths.Script("setup.sh"), "--interop"], SetupTimeout);
        Rootfs = BusyboxRootfs.Create(_temp.Combine("rootfs"));
        try
        {
            await HostProcess.RunCheckedAsync("bash", [RepoPaths.Script("private-dockerd.sh"), "start", DockerDirectory], DockerTimeout);
            ServerVersion = (await DockerAsync("version", "--format", "{{.Server.Version}}")).Trim();
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>xunit calls this and then <see cref="Dispose"/>, in every outcome.</summary>
    public Task DisposeAsync() => StopAsync();

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs the docker CLI against the private dockerd; a failure throws with docker's stderr.</summary>
    public Task<string> DockerAsync(params string[] arguments) => HostProcess.RunCheckedAsync("docker", ["-H", Host, .. arguments], DockerTimeout);

    public Task<ProcessResult> TryDockerAsync(params string[] arguments) => HostProcess.RunAsync("docker", ["-H", Host, .. arguments], DockerTimeout);

    /// <summary>docker image inspect of one image, as JSON.</summary>
    public async Task<JsonElement> InspectAsync(string reference)
    {
        using var document = JsonDocument.Parse(await DockerAsync("image", "inspect", reference));
        return document.RootElement[0].Clone();
    }

    private Task StopAsync() => HostProcess.RunCheckedAsync("bash", [RepoPaths.Script("private-dockerd.sh"), "stop", DockerDirectory], DockerTimeout);
}
