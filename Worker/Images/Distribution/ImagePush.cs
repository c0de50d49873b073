using ClusterKit.Worker.Images.References;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// One push of a stored image to one repository, run against one registry address per attempt: each blob the
/// registry lacks is mounted or uploaded, then the manifest is put under the tag. An attempt on another address
/// (after a failover) keeps what earlier ones did: a blob already sent is checked again (HEAD), silently, and still
/// counts as sent by this push; only a blob that the new address lacks moves again, as a new upload.
/// </summary>
internal sealed class ImagePush(ImageToPush image, ImageReference destination, UploadOptions upload, IProgress<BlobProgress>? progress)
{
    private readonly BlobTransferState?[] _finished = new BlobTransferState?[image.Blobs.Count];

    public async Task<PushResult> RunAsync(RegistryClient client, CancellationToken cancellationToken)
    {
        await client.PingAsync(cancellationToken);
        var uploader = new BlobUploader(client, upload);
        await Parallel.ForEachAsync(Enumerable.Range(0, image.Blobs.Count), ImageDistribution.Options(cancellationToken),
            (i, token) => new ValueTask(PushBlobAsync(client, uploader, i, token)));

        progress?.Report(new BlobProgress(image.ManifestDigest, BlobRole.Manifest, 0, image.Manifest.Length, BlobTransferState.Uploading));
        var digest = await client.PutManifestAsync(destination.Path, destination.Tag!, image.Manifest, image.ManifestMediaType, cancellationToken);
        progress?.Report(new BlobProgress(digest, BlobRole.Manifest, image.Manifest.Length, image.Manifest.Length, BlobTransferState.Uploaded));
        var states = _finished.Select(s => s!.Value).ToList();
        return new PushResult(destination.ToString(), digest,
            states.Count(s => s == BlobTransferState.Uploaded), states.Count(s => s == BlobTransferState.Exists), states.Count(s => s == BlobTransferState.Mounted),
            image.Blobs.Where((_, i) => states[i] == BlobTransferState.Uploaded).Sum(b => b.Size));
    }

    /// <summary>Reports each blob no attempt finished as failed: the push gives up.</summary>
    public void ReportUnfinishedAsFailed()
    {
        for (var i = 0; i < image.Blobs.Count; i++)
        {
            if (_finished[i] is null)
            {
                progress?.Report(new BlobProgress(image.Blobs[i].Digest, RoleOf(image.Blobs[i]), 0, image.Blobs[i].Size, BlobTransferState.Failed));
            }
        }
    }

    private async Task PushBlobAsync(RegistryClient client, BlobUploader uploader, int i, CancellationToken cancellationToken)
    {
        var blob = image.Blobs[i];
        var earlier = _finished[i];
        void Report(long done, BlobTransferState state)
        {
            if (earlier is null)
            {
                progress?.Report(new BlobProgress(blob.Digest, RoleOf(blob), done, blob.Size, state));
            }
        }

        Report(0, BlobTransferState.Checking);
        if (await client.GetBlobSizeAsync(destination.Path, blob.Digest, cancellationToken) is not null)
        {
            _finished[i] = earlier ?? BlobTransferState.Exists;
            Report(blob.Size, BlobTransferState.Exists);
            return;
        }

        // Sent by an earlier attempt, yet this address lacks it: it moves again, in view.
        earlier = null;
        var toPush = new BlobToPush(blob.Digest, blob.Size, blob.MediaType, blob.Path, image.MountSources.GetValueOrDefault(blob.Digest));
        var state = await uploader.UploadAsync(destination.Path, toPush, new SyncProgress(done => Report(done, BlobTransferState.Uploading)), cancellationToken);
        _finished[i] = state;
        Report(blob.Size, state);
    }

    private static BlobRole RoleOf(StoredBlob blob) => blob.Role == BlobRoleInImage.Config ? BlobRole.Config : BlobRole.Layer;
}
