using System.Security.Cryptography;

namespace ClusterKit.TestKit;

/// <summary>
/// One dockerd (Debian's docker.io, installed by scripts/setup.sh --interop) private to a /tmp/ckt-&lt;hex&gt;
/// directory (scripts/private-dockerd.sh), optionally inside a network namespace (a lab host), so that it reaches
/// addresses that are not loopback to docker (dockerd treats every 127.0.0.0/8 registry as insecure and ignores its CA).
/// The docker CLI talks to it over the directory's unix socket from any namespace. Stopping removes the directory.
/// </summary>
public sealed class PrivateDockerd : IAsyncDisposable
{
    public static readonly TimeSpan DockerTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(5);

    private PrivateDockerd(string? networkNamespace)
    {
        NetworkNamespace = networkNamespace;

        // Short and unique: containerd's socket lives below it and unix socket paths are limited to 108 bytes.
        Directory = "/tmp/ckt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    /// <summary>The instance's directory (data, exec root, socket, log); removed on stop.</summary>
    public string Directory { get; }

    public string? NetworkNamespace { get; }

    public string Host => "unix://" + Path.Combine(Directory, "docker.sock");

    public string ServerVersion { get; private set; } = "";

    /// <summary>Installs docker.io if missing and starts dockerd; if it cannot start, throws with dockerd's log and leaves nothing behind.</summary>
    public static async Task<PrivateDockerd> StartAsync(string? networkNamespace = null)
    {
        await HostProcess.RunCheckedAsync("bash", [RepoPaths.Script("setup.sh"), "--interop"], SetupTimeout);
        var dockerd = new PrivateDockerd(networkNamespace);
        try
        {
            // nsenter enters the network namespace only: `ip netns exec` would also give dockerd a fresh /sys without cgroups.
            string[] start = ["bash", RepoPaths.Script("private-dockerd.sh"), "start", dockerd.Directory];
            await (networkNamespace is null
                ? HostProcess.RunCheckedAsync(start[0], start[1..], DockerTimeout)
                : HostProcess.RunCheckedAsync("nsenter", ["--net=/run/netns/" + networkNamespace, .. start], DockerTimeout));
            dockerd.ServerVersion = (await dockerd.DockerAsync("version", "--format", "{{.Server.Version}}")).Trim();
            return dockerd;
        }
        catch
        {
            await dockerd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the docker CLI against this dockerd; a failure throws with docker's stderr.</summary>
    public Task<string> DockerAsync(params string[] arguments) => HostProcess.RunCheckedAsync("docker", ["-H", Host, .. arguments], DockerTimeout);

    public Task<ProcessResult> TryDockerAsync(params string[] arguments) => HostProcess.RunAsync("docker", ["-H", Host, .. arguments], DockerTimeout);

    /// <summary>The docker CLI with its own configuration directory (credentials from `docker login`), and <paramref name="input"/> on stdin.</summary>
    public Task<ProcessResult> TryDockerWithConfigAsync(string configDirectory, string? input, params string[] arguments)
        => HostProcess.RunAsync("docker", ["--config", configDirectory, "-H", Host, .. arguments], DockerTimeout, input);

    /// <summary>Stops dockerd and the containerd it started (by the PIDs under its directory) and removes the directory.</summary>
    public async ValueTask DisposeAsync()
        => await HostProcess.RunCheckedAsync("bash", [RepoPaths.Script("private-dockerd.sh"), "stop", Directory], DockerTimeout);
}
