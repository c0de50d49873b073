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
/// <param name="retryOptions">How a push or pull waits out 503 answers; the defaults allow two minutes.</param>
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
    /// then the layers unpacked and the image registered under the reference's tag. The cluster registry's managers
    /// are tried in turn (<see cref="RegistryFailover"/>): a manager that dies mid-pull hands the pull to the next one,
    /// which fetches the same digest and only the blobs not yet whole in the store.
    /// </summary>
    public async Task<PullResult> PullAsync(string reference, IProgress<BlobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var source = ImageReference.Parse(reference).WithDefaultTag();
        var route = connector.Route(source);
        using var pull = new ImagePull(store, source, progress);
        try
        {
            return await RunAsync($"pull of {source}", source, route, pull.RunAsync, cancellationToken);
        }
        catch
        {
            await pull.GiveUpAsync();
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

        return await RunAsync($"resolving {source}", source, connector.Route(source),
            async (client, ct) => (await client.GetManifestAsync(source.Path, source.Tag!, ct)).Digest, cancellationToken);
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

    /// <summary>
    /// Runs a read on the registry's addresses in turn; when none of the cluster's managers could be reached at all,
    /// says so as the store's own "not found" (the image cannot be had), not as a registry's answer.
    /// </summary>
    private async Task<T> RunAsync<T>(string what, ImageReference source, RegistryRoute route, Func<RegistryClient, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await _failover.RunAsync(what, route, operation, cancellationToken);
        }
        catch (RegistryException e) when (route.IsCluster && e.StatusCode is null)
        {
            throw new ImageStoreException(ImageErrorKind.NotFound, $"the cluster registry is not reachable for '{source}': {e.Message}");
        }
    }

    internal static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
}
