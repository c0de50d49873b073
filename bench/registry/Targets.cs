using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>Where one round pushes the image to and pulls it back from.</summary>
internal interface ITransferTarget : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The process serving this round's transfers, whose CPU time the bench reads; null for a target with no server.</summary>
    int? ServerProcessId { get; }

    /// <summary>Starts the destination (a registry with no blobs), which then serves every round.</summary>
    Task StartAsync(CancellationToken ct);

    Task<TimeSpan> PushAsync(BenchImage image, string repository, CancellationToken ct);

    /// <summary>Pulls what the round pushed to <paramref name="repository"/> into a new OCI layout at <paramref name="destination"/>.</summary>
    Task<TimeSpan> PullAsync(string repository, string destination, CancellationToken ct);

    /// <summary>One blob of what the round pushed, fetched with curl (<see cref="Curl"/>); null for a target that is no registry.</summary>
    Task<TimeSpan?> GetBlobAsync(string repository, string digest, CancellationToken ct);

}

/// <summary>The limit: the same copy between two plain directories (oci layout to dir, dir back to a layout).</summary>
internal sealed class DirectoryTarget(string scratch) : ITransferTarget
{
    private readonly string _root = Path.Combine(scratch, "dir");

    public string Name => "directory";

    public int? ServerProcessId => null;

    public Task StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(_root, "bench"));
        return Task.CompletedTask;
    }

    public Task<TimeSpan> PushAsync(BenchImage image, string repository, CancellationToken ct) =>
        Skopeo.CopyAsync([], $"oci:{image.Directory}:{BenchImage.Tag}", $"dir:{Path.Combine(_root, repository)}", ct);

    public Task<TimeSpan> PullAsync(string repository, string destination, CancellationToken ct) =>
        Skopeo.CopyAsync([], $"dir:{Path.Combine(_root, repository)}", $"oci:{destination}:{BenchImage.Tag}", ct);

    public Task<TimeSpan?> GetBlobAsync(string repository, string digest, CancellationToken ct) => Task.FromResult<TimeSpan?>(null);

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Debian's docker-registry (CNCF distribution 2.8) over HTTPS with a filesystem backend.</summary>
internal sealed class ReferenceRegistryTarget(LoopbackTls tls) : ITransferTarget
{
    private ReferenceRegistry? _registry;

    public string Name => "reference_registry";

    public int? ServerProcessId => _registry?.ProcessId;

    private string Reference(string repository) => $"docker://{_registry!.Address}/{repository}:{BenchImage.Tag}";

    public async Task StartAsync(CancellationToken ct) =>
        _registry = await ReferenceRegistry.StartAsync(tls: new ReferenceRegistryTls(tls.CertificatePath, tls.KeyPath));

    public Task<TimeSpan> PushAsync(BenchImage image, string repository, CancellationToken ct) =>
        Skopeo.CopyAsync(["--dest-cert-dir", tls.TrustDirectory], $"oci:{image.Directory}:{BenchImage.Tag}", Reference(repository), ct);

    public Task<TimeSpan> PullAsync(string repository, string destination, CancellationToken ct) =>
        Skopeo.CopyAsync(["--src-cert-dir", tls.TrustDirectory], Reference(repository), $"oci:{destination}:{BenchImage.Tag}", ct);

    public async Task<TimeSpan?> GetBlobAsync(string repository, string digest, CancellationToken ct) =>
        await Curl.GetBlobAsync(_registry!.Address, repository, digest, tls.TrustDirectory, bearer: null, ct);

    public async ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
            _registry = null;
        }
    }
}
