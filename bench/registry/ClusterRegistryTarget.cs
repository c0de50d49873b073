namespace ClusterKit.Bench.Registry;

/// <summary>
/// The cluster registry: a one-manager cluster (ck-manager and ck from <c>out/</c>, built by
/// scripts/build.sh), a push credential issued by `ck registry credential create`, skopeo trusting the cluster's
/// root. The manager is ended by the PID its <see cref="ManagerProcess"/> recorded, and its directory removed, in every outcome.
/// </summary>
internal sealed class ClusterRegistryTarget(string scratch, string binaries) : ITransferTarget
{
    private ManagerProcess? _manager;
    private ClusterAccess? _access;

    public string Name => "cluster_registry";

    public int? ServerProcessId => _manager?.ProcessId;

    private string Reference(string repository) => $"docker://{_manager!.Api}/{repository}:{BenchImage.Tag}";

    public async Task StartAsync(CancellationToken ct)
    {
        _manager = await ManagerProcess.StartAsync(binaries, Path.Combine(scratch, "cluster"), networkNamespace: null, ct);
        _access = await ClusterAccess.InitAsync(new Ck(binaries), _manager.Socket, _manager.Directory, ct);
    }

    public Task<TimeSpan> PushAsync(BenchImage image, string repository, CancellationToken ct) =>
        Skopeo.CopyAsync(["--dest-cert-dir", _access!.Trust, "--dest-creds", _access.Credentials], $"oci:{image.Directory}:{BenchImage.Tag}", Reference(repository), ct);

    public Task<TimeSpan> PullAsync(string repository, string destination, CancellationToken ct) =>
        Skopeo.CopyAsync(["--src-cert-dir", _access!.Trust, "--src-creds", _access.Credentials], Reference(repository), $"oci:{destination}:{BenchImage.Tag}", ct);

    public async Task<TimeSpan?> GetBlobAsync(string repository, string digest, CancellationToken ct)
    {
        var token = await Curl.PullTokenAsync(_manager!.Api, _access!.Credentials, repository, _access.Trust, ct);
        return await Curl.GetBlobAsync(_manager.Api, repository, digest, _access.Trust, token, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_manager is not null)
        {
            await _manager.DisposeAsync();
            _manager = null;
        }
    }
}
