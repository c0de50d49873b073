using System.Text.Json;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Registry.Clients;

/// <summary>
/// Debian's skopeo against the registry on Kestrel (127.0.0.1, a free port, plain HTTP): copy a hand-made OCI
/// layout in, inspect it, copy it back out and compare the bytes, then push it again (every blob already there).
/// </summary>
public sealed class SkopeoTests : IAsyncLifetime
{
    private KestrelRegistry? _registry;

    private KestrelRegistry Registry => _registry ?? throw new InvalidOperationException("the registry has not started");

    private TempDirectory Work => Registry.Work;

    public async Task InitializeAsync() => _registry = await KestrelRegistry.StartAsync("ck-registry-skopeo");

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    [Fact]
    public async Task Skopeo_copies_an_image_in_inspects_it_and_copies_it_back_byte_for_byte()
    {
        Skopeo.RequireInstalled();
        var source = Work.Combine("source");
        var manifestDigest = OciLayout.Write(source, "v1", "hello from the cluster registry\n");
        var remote = $"docker://{Registry.Host}/team/hello:v1";

        var push = await RunAsync("copy", "--dest-tls-verify=false", $"oci:{source}:v1", remote);
        var inspect = await RunAsync("inspect", "--tls-verify=false", remote);
        var raw = await RunAsync("inspect", "--raw", "--tls-verify=false", remote);
        var pull = await RunAsync("copy", "--src-tls-verify=false", remote, $"oci:{Work.Combine("copy")}:v1");
        var before = Registry.Requests.Count;
        var again = await RunAsync("copy", "--dest-tls-verify=false", $"oci:{source}:v1", $"docker://{Registry.Host}/team/hello:v2");
        var second = Registry.Requests.Skip(before).ToList();

        Assert.Equal(0, push.ExitCode);
        Assert.Contains(Registry.Requests.Take(before), r => r.StartsWith("PATCH /v2/team/hello/blobs/uploads/", StringComparison.Ordinal));
        Assert.Equal(0, inspect.ExitCode);
        using var inspected = JsonDocument.Parse(inspect.Output);
        Assert.Equal(manifestDigest.ToString(), inspected.RootElement.GetProperty("Digest").GetString());
        Assert.Equal(1, inspected.RootElement.GetProperty("Layers").GetArrayLength());
        Assert.Equal(manifestDigest, Digest.Of(System.Text.Encoding.UTF8.GetBytes(raw.Output)));
        Assert.Equal(0, pull.ExitCode);
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(source, "blobs", "sha256")))
        {
            Assert.Equal(await File.ReadAllBytesAsync(blob), await File.ReadAllBytesAsync(Work.Combine("copy", "blobs", "sha256", Path.GetFileName(blob))));
        }

        // The second push finds both blobs (HEAD) and sends only the manifest under the new tag.
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain(second, r => r.StartsWith("PATCH", StringComparison.Ordinal) || r.Contains("/blobs/uploads", StringComparison.Ordinal));
        Assert.Contains("PUT /v2/team/hello/manifests/v2", second);
        Assert.Equal(2, second.Count(r => r.StartsWith("HEAD /v2/team/hello/blobs/", StringComparison.Ordinal)));
    }

    private Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) => Skopeo.RunAsync(Work, arguments);
}
