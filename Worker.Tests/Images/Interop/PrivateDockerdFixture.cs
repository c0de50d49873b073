using System.Text.Json;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Images.Tests.Interop;

/// <summary>
/// A <see cref="PrivateDockerd"/> for the class, plus a busybox rootfs and a scratch directory. If dockerd cannot
/// start, initialisation throws with dockerd's own log, so the tests fail.
/// </summary>
public sealed class PrivateDockerdFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _temp = new("ckt-interop");
    private PrivateDockerd? _dockerd;

    private PrivateDockerd Dockerd => _dockerd ?? throw new InvalidOperationException("dockerd is not started");

    public string Host => Dockerd.Host;

    public string Rootfs { get; private set; } = "";

    public string ServerVersion => Dockerd.ServerVersion;

    public string Combine(params string[] parts) => _temp.Combine(parts);

    public async Task InitializeAsync()
    {
        Rootfs = BusyboxRootfs.Create(_temp.Combine("rootfs"));
        _dockerd = await PrivateDockerd.StartAsync();
    }

    /// <summary>xunit calls this and then <see cref="Dispose"/>, in every outcome.</summary>
    public async Task DisposeAsync()
    {
        if (_dockerd is not null)
        {
            await _dockerd.DisposeAsync();
        }
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs the docker CLI against the private dockerd; a failure throws with docker's stderr.</summary>
    public Task<string> DockerAsync(params string[] arguments) => Dockerd.DockerAsync(arguments);

    public Task<ProcessResult> TryDockerAsync(params string[] arguments) => Dockerd.TryDockerAsync(arguments);

    /// <summary>docker image inspect of one image, as JSON.</summary>
    public async Task<JsonElement> InspectAsync(string reference)
    {
        using var document = JsonDocument.Parse(await DockerAsync("image", "inspect", reference));
        return document.RootElement[0].Clone();
    }
}
