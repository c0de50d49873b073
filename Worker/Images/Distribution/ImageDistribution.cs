using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Archives;
using ClusterKit.Worker.Images.References;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>What a push did: the manifest digest the registry holds and what happened to each blob.</summary>
public sealed record PushResult(string Reference, string ManifestDigest, int Uploaded, int Existing, int Mounted, long BytesUploaded);

/// <summary>What a pull did: the image, the digest pulled (an index's when the tag named one) and the bytes fetched.</summary>
public sealed record PullResult(ImageDetails Image, string Digest, int Downloaded, int Present, long BytesDownloaded);

/// <summary>
/// Push and pull between the worker's image store and a registry that speaks the OCI distribution
/// API. A reference's domain (host:port) names the registry and its path the repository.
/// </summary>
/// <param name="retryOptions">How a push waits out 503 answers; the defaults allow two minutes.</param>
/// <param name="timeProvider">The clock of those waits.</param>
public sealed class ImageDistribution(ImageStore store, RegistryConnector connector, UploadOptions? uploadOptions = null,
    RegistryRetryOptions? retryOptions = null, TimeProvider? timeProvider = null)
{
    /// <summary>Blobs moved at the same time by one push or pull.</summary>
    private const int Parallelism = 3;

    private readonly UploadOptions _upload = uploadOptions ?? new UploadOptions();

    private readonly RegistryFailover _failover = new(timeProvider ?? TimeProvider.System, retryOptions ?? new RegistryRetryOptions());

    /// <summary>
    /// Pushes the stored image <paramref name="localReference"/> to <paramref name="target"/>
    /// (host:port/repository[:tag]): each blob the repository lacks is mounted or uploaded, then the manifest is put under the tag.
    /// The cluster registry's managers are tried in turn (<see cref="RegistryFailover"/>): a manager that dies mid-push
    /// hands the push to the next one, and 503 answers are waited out within the retry budget.
    /// </summary>
    /// <param name="clusterToken">A bearer token for the cluster registry (a worker's certificate only reads); ignored for other registries.</param>
    public async Task<PushResult> PushAsync(string localReference, string target, IProgress<BlobProgress>? progress = null, string? clusterToken = null, CancellationToken cancellationToken = default)
    {
        var destination = ImageReference.Parse(target).WithDefaultTag();
        if (destination.Digest is not null)
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid push target '{target}': push to a tag, not a digest");
        }

        var route = connector.Route(destination, clusterToken);
        var image = await store.ReadForPushAsync(localReference, destination.Domain, destination.Path, cancellationToken);
        using var pins = store.PinBlobs(image.Blobs.Select(b => b.Digest));
        var push = new ImagePush(image, destination, _upload, progress);
        try
        {
            return await _failover.RunAsync($"push of {destination}", route, push.RunAsync, cancellationToken);
        }
        catch
        {
            push.ReportUnfinishedAsFailed();
            throw;
        }
    }

    /// <summary>
    /// Pulls host:port/repository[:tag|@digest] into the store: the manifest (the store's platform
    /// from an index), the blobs the store lacks (each checked against its digest before it is kept),
    /// then the layers unpacked and the image registered under the reference's tag.
    /// </summary>
    public async Task<PullResult> PullAsync(string reference, IProgress<BlobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var source = ImageReference.Parse(reference).WithDefaultTag();
        using var client = await connector.ConnectAsync(source, cancellationToken);
        var where = $"{source.Repository}@";
        var top = await client.GetManifestAsync(source.Path, source.Digest ?? source.Tag!, cancellationToken);
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
        var blobs = manifest.Layers.Select(l => (l, BlobRole.Layer)).Prepend((manifest.Config, BlobRole.Config)).DistinctBy(b => b.Item1.Digest).ToList();
        if (await store.HasImageIdAsync(manifest.Config.Digest, cancellationToken))
        {
            // Same image id already stored: nothing to fetch, only the names to record.
            return new PullResult(await store.AddPulledImageAsync(pulled, cancellationToken), top.Digest, 0, blobs.Count, 0);
        }

        using var pins = store.PinBlobs(blobs.Select(b => b.Item1.Digest));
        var added = new List<string>();
        long bytes = 0;
        var present = 0;
        try
        {
            await Parallel.ForEachAsync(blobs, Options(cancellationToken), async (blob, token) =>
            {
                var (descriptor, role) = blob;
                void Report(long done, BlobTransferState state) => progress?.Report(new BlobProgress(descriptor.Digest, role, done, descriptor.Size, state));
                if (store.HasBlob(descriptor.Digest))
                {
                    Interlocked.Increment(ref present);
                    Report(descriptor.Size, BlobTransferState.Exists);
                    return;
                }

                try
                {
                    Report(0, BlobTransferState.Downloading);
                    var isNew = await store.FetchBlobAsync(descriptor.Digest, (file, ct) =>
                        client.DownloadBlobAsync(source.Path, descriptor.Digest, descriptor.Size, file, new SyncProgress(done => Report(done, BlobTransferState.Downloading)), ct), token);
                    if (isNew)
                    {
                        lock (added)
                        {
                            added.Add(descriptor.Digest);
                        }

                        Interlocked.Add(ref bytes, descriptor.Size);
                    }

                    Report(descriptor.Size, BlobTransferState.Downloaded);
                }
                catch
                {
                    Report(0, BlobTransferState.Failed);
                    throw;
                }
            });

            var details = await store.AddPulledImageAsync(pulled, cancellationToken);
            return new PullResult(details, top.Digest, blobs.Count - present, present, bytes);
        }
        catch
        {
            pins.Dispose();
            await store.DiscardBlobsAsync(added, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The digest a tag names now (the index's when it names one), so that every node pulls the same bytes.</summary>
    public async Task<string> ResolveDigestAsync(string reference, CancellationToken cancellationToken = default)
    {
        var source = ImageReference.Parse(reference).WithDefaultTag();
        if (source.Digest is not null)
        {
            return source.Digest;
        }

        using var client = await connector.ConnectAsync(source, cancellationToken);
        return (await client.GetManifestAsync(source.Path, source.Tag!, cancellationToken)).Digest;
    }

    /// <summary>The image host:port/repository@digest names, pulled unless the store already has it.</summary>
    public async Task<ImageDetails> EnsureImageAsync(string pinnedReference, CancellationToken cancellationToken = default)
    {
        var pinned = ImageReference.Parse(pinnedReference);
        if (pinned.Digest is null)
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid reference '{pinnedReference}': EnsureImage takes repository@sha256:digest (resolve the tag first)");
        }

        return await store.FindByDigestAsync(pinned, cancellationToken)
            ?? (await PullAsync(pinnedReference, null, cancellationToken)).Image;
    }

    internal static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
}
