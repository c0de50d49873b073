using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Archives;
using ClusterKit.Worker.Images.Manifests;
using ClusterKit.Worker.Images.References;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// One pull of an image into the store, run against one registry address per attempt: the manifest (the store's
/// platform from an index), the blobs the store lacks, then the image registered. An attempt on another address
/// (after a failover) keeps what earlier ones did: the first attempt fixes the digest a tag named, so that every
/// attempt fetches the same bytes, and a blob an earlier attempt completed is not fetched again. A blob cut off
/// mid-download never enters the store (the store keeps only whole, verified blobs).
/// </summary>
internal sealed class ImagePull(ImageStore store, ImageReference source, IProgress<BlobProgress>? progress) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<string> _added = [];
    private readonly HashSet<string> _obtained = [];
    private readonly HashSet<string> _present = [];
    private List<(Descriptor Descriptor, BlobRole Role)>? _blobs;
    private string? _topDigest;
    private IDisposable? _pins;
    private long _bytes;

    public async Task<PullResult> RunAsync(RegistryClient client, CancellationToken cancellationToken)
    {
        var where = $"{source.Repository}@";
        var top = await client.GetManifestAsync(source.Path, _topDigest ?? source.Digest ?? source.Tag!, cancellationToken);
        _topDigest ??= top.Digest;
        var chosen = top;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var entry = ManifestChecks.Choose(top.Content, "linux", ArchiveReader.HostArchitecture(), where + top.Digest);
            chosen = await client.GetManifestAsync(source.Path, entry.Digest, cancellationToken);
        }

        var manifest = ManifestChecks.Image(chosen.Content, chosen.MediaType, where + chosen.Digest);
        var pulled = new PulledManifest(chosen.Content, chosen.MediaType, manifest,
            source.Digest is null ? source : null,
            source.Digest is not null && chosen.Digest != top.Digest ? source : null);
        _blobs ??= [.. manifest.Layers.Select(l => (l, BlobRole.Layer)).Prepend((manifest.Config, BlobRole.Config)).DistinctBy(b => b.Item1.Digest)];
        if (_obtained.Count == 0 && await store.HasImageIdAsync(manifest.Config.Digest, cancellationToken))
        {
            // Same image id already stored: nothing to fetch, only the names to record.
            return new PullResult(await store.AddPulledImageAsync(pulled, cancellationToken), top.Digest, 0, _blobs.Count, 0);
        }

        _pins ??= store.PinBlobs(_blobs.Select(b => b.Descriptor.Digest));
        await Parallel.ForEachAsync(_blobs, ImageDistribution.Options(cancellationToken),
            (blob, token) => new ValueTask(FetchAsync(client, blob.Descriptor, blob.Role, token)));
        var details = await store.AddPulledImageAsync(pulled, cancellationToken);
        return new PullResult(details, top.Digest, _blobs.Count - _present.Count, _present.Count, Interlocked.Read(ref _bytes));
    }

    /// <summary>Reports each blob no attempt finished as failed, and removes the blobs this pull added: the pull gives up.</summary>
    public async Task GiveUpAsync()
    {
        foreach (var (descriptor, role) in _blobs ?? [])
        {
            if (!Finished(descriptor.Digest))
            {
                progress?.Report(new BlobProgress(descriptor.Digest, role, 0, descriptor.Size, BlobTransferState.Failed));
            }
        }

        Dispose();
        List<string> added;
        lock (_gate)
        {
            added = [.. _added];
        }

        await store.DiscardBlobsAsync(added, CancellationToken.None);
    }

    public void Dispose()
    {
        _pins?.Dispose();
        _pins = null;
    }

    private async Task FetchAsync(RegistryClient client, Descriptor descriptor, BlobRole role, CancellationToken cancellationToken)
    {
        if (Finished(descriptor.Digest))
        {
            return;
        }

        void Report(long done, BlobTransferState state) => progress?.Report(new BlobProgress(descriptor.Digest, role, done, descriptor.Size, state));
        if (store.HasBlob(descriptor.Digest))
        {
            lock (_gate)
            {
                _present.Add(descriptor.Digest);
            }

            Report(descriptor.Size, BlobTransferState.Exists);
            return;
        }

        Report(0, BlobTransferState.Downloading);
        var isNew = await store.FetchBlobAsync(descriptor.Digest, (file, ct) =>
            client.DownloadBlobAsync(source.Path, descriptor.Digest, descriptor.Size, file, new SyncProgress(done => Report(done, BlobTransferState.Downloading)), ct), cancellationToken);
        lock (_gate)
        {
            _obtained.Add(descriptor.Digest);
            if (isNew)
            {
                _added.Add(descriptor.Digest);
            }
        }

        if (isNew)
        {
            Interlocked.Add(ref _bytes, descriptor.Size);
        }

        Report(descriptor.Size, BlobTransferState.Downloaded);
    }

    private bool Finished(string digest)
    {
        lock (_gate)
        {
            return _obtained.Contains(digest) || _present.Contains(digest);
        }
    }
}
