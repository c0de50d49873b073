using ClusterKit.Worker.Images.Configs;
using ClusterKit.Worker.Images.Manifests;
using ClusterKit.Worker.Images.References;

namespace ClusterKit.Worker.Images.Store;

/// <summary>A blob of a stored image, as a push reads it.</summary>
internal sealed record StoredBlob(string Digest, long Size, string MediaType, string Path, BlobRoleInImage Role);

internal enum BlobRoleInImage
{
    Config,
    Layer,
}

/// <summary>A stored image as a push sends it: its manifest bytes and its blobs, config first.</summary>
internal sealed record ImageToPush(string Id, byte[] Manifest, string ManifestMediaType, string ManifestDigest, IReadOnlyList<StoredBlob> Blobs)
{
    /// <summary>For each blob, a repository path of the registry being pushed to that already names an image holding it.</summary>
    public Dictionary<string, string> MountSources { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>A manifest a pull fetched, with the names to give the image.</summary>
internal sealed record PulledManifest(byte[] Content, string MediaType, ImageManifest Manifest, ImageReference? Name, ImageReference? IndexAlias);

/// <summary>What a pull and a push need of the store (ImageDistribution): reading images out, and blobs and images in.</summary>
public sealed partial class ImageStore
{
    /// <summary>
    /// The manifest and blobs of <paramref name="reference"/>, each blob checked to be present. Blobs
    /// other names of the same registry (<paramref name="domain"/>) hold are offered as mount sources.
    /// </summary>
    internal async Task<ImageToPush> ReadForPushAsync(string reference, string domain, string targetPath, CancellationToken cancellationToken)
    {
        var catalog = await SnapshotAsync(cancellationToken);
        var image = Resolve(catalog, reference);
        var manifest = await _blobs.ReadAsync(image.ManifestDigest, cancellationToken);
        var blobs = new List<StoredBlob> { Blob(image.Manifest.Config, BlobRoleInImage.Config) };
        blobs.AddRange(image.Manifest.Layers.Select(l => Blob(l, BlobRoleInImage.Layer)));
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, digest) in catalog.Names)
        {
            var parsed = ImageReference.Parse(name);
            if (parsed.Domain == domain && parsed.Path != targetPath && catalog.Images.TryGetValue(digest, out var other))
            {
                foreach (var blob in other.Blobs)
                {
                    mounts.TryAdd(blob, parsed.Path);
                }
            }
        }

        return new ImageToPush(image.Id, manifest, image.ManifestMediaType, image.ManifestDigest, blobs) { MountSources = mounts };

        StoredBlob Blob(Descriptor descriptor, BlobRoleInImage role)
        {
            var path = _blobs.PathOf(descriptor.Digest);
            return File.Exists(path)
                ? new StoredBlob(descriptor.Digest, descriptor.Size, descriptor.MediaType, path, role)
                : throw new ImageStoreException(ImageErrorKind.CorruptContent, $"blob {descriptor.Digest} of image {image.Id} is missing from the image store at {_root}");
        }
    }

    /// <summary>The image a manifest digest (or an index digest a pull recorded) names, or null.</summary>
    internal async Task<ImageDetails?> FindByDigestAsync(ImageReference pinned, CancellationToken cancellationToken)
    {
        var catalog = await SnapshotAsync(cancellationToken);
        return catalog.Images.TryGetValue(pinned.Digest ?? string.Empty, out var image)
            || (catalog.Names.TryGetValue(pinned.Canonical, out var chosen) && catalog.Images.TryGetValue(chosen, out image))
            ? Details(catalog, image)
            : null;
    }

    /// <summary>True when an image with this id (config digest) is stored: a pull then needs no blob.</summary>
    internal async Task<bool> HasImageIdAsync(string imageId, CancellationToken cancellationToken) =>
        (await SnapshotAsync(cancellationToken)).FindById(imageId) is not null;

    internal bool HasBlob(string digest) => _blobs.Exists(digest);

    /// <summary>Keeps blobs from garbage collection (and from another pull's clean-up) until the result is disposed.</summary>
    internal IDisposable PinBlobs(IEnumerable<string> digests) => _state.Pins.Pin(digests);

    /// <summary>
    /// Adds a blob by running <paramref name="download"/> into a file in tmp/ that is renamed into place
    /// only once the download returned (it verifies the digest); on failure the file is deleted. A download
    /// of the same digest already running in this process is awaited instead of started again.
    /// True when this call added the blob.
    /// </summary>
    internal async Task<bool> FetchBlobAsync(string digest, Func<Stream, CancellationToken, Task> download, CancellationToken cancellationToken)
    {
        _ = Digests.Hex(digest);

        // The first catalog load empties tmp/; it must not run while a download writes there.
        await SnapshotAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            if (_blobs.Exists(digest))
            {
                return false;
            }

            var (running, owner) = _state.Downloads.Join(digest, () => DownloadAsync(digest, download, cancellationToken));
            try
            {
                // The owner awaits its own download to the end (it stops on the same token), so that a
                // blob it renamed into place is always counted as added; others stop waiting when cancelled.
                var added = owner ? await running : await running.WaitAsync(cancellationToken);
                return owner && added;
            }
            catch (Exception) when (!owner && attempt == 0 && !cancellationToken.IsCancellationRequested)
            {
                // The other caller's download failed or was cancelled; this caller tries once on its own.
            }
        }
    }

    /// <summary>Deletes blobs a failed pull added, unless an image references them or another operation holds them.</summary>
    internal Task DiscardBlobsAsync(IReadOnlyCollection<string> digests, CancellationToken cancellationToken) =>
        WithLockAsync("discard", (catalog, _) =>
        {
            var referenced = catalog.Images.Values.SelectMany(i => i.Blobs).ToHashSet(StringComparer.Ordinal);
            foreach (var digest in digests.Where(d => !referenced.Contains(d) && !_state.Pins.IsPinned(d)))
            {
                _blobs.Delete(digest);
            }

            return Task.FromResult(true);
        }, cancellationToken, persist: false);

    /// <summary>
    /// Registers a pulled image whose blobs are all in the store: the config is read back and checked,
    /// every layer unpacked through the layer unpacker (which refuses ../, writes through symlinks and
    /// the like), the manifest stored, then the names set. All or nothing, as every store operation.
    /// </summary>
    internal Task<ImageDetails> AddPulledImageAsync(PulledManifest pulled, CancellationToken cancellationToken) =>
        WithLockAsync("pull", async (catalog, added) =>
        {
            var manifest = pulled.Manifest;
            var configBytes = await _blobs.ReadAsync(manifest.Config.Digest, cancellationToken);
            var config = ImageJson.Deserialize<ImageConfigFile>(configBytes, $"config {manifest.Config.Digest}");
            var diffIds = config.RootFileSystem.DiffIds;
            if (diffIds.Count != manifest.Layers.Count)
            {
                throw new ImageStoreException(ImageErrorKind.CorruptContent,
                    $"image {manifest.Config.Digest}: the manifest lists {manifest.Layers.Count} layers, the config {diffIds.Count} diff ids");
            }

            if (catalog.FindById(manifest.Config.Digest) is null)
            {
                for (var i = 0; i < manifest.Layers.Count; i++)
                {
                    var layer = manifest.Layers[i];
                    if (!_blobs.Exists(layer.Digest))
                    {
                        throw new ImageStoreException(ImageErrorKind.CorruptContent, $"layer blob {layer.Digest} is missing from the image store; pull again");
                    }

                    if (await _layers.EnsureAsync(diffIds[i], _blobs.PathOf(layer.Digest), cancellationToken))
                    {
                        added.Layers.Add(diffIds[i]);
                    }
                }
            }

            var image = await RegisterAsync(catalog, configBytes, config, pulled.Content, pulled.MediaType, manifest, added, cancellationToken);
            Name(catalog, pulled.Name, image);
            Name(catalog, pulled.IndexAlias, image);
            ImageStoreLog.ImageCreated(_logger, image.Id, "pull", pulled.Name?.ToString() ?? pulled.IndexAlias?.ToString() ?? image.ManifestDigest);
            return Details(catalog, image);
        }, cancellationToken);

    private async Task<bool> DownloadAsync(string digest, Func<Stream, CancellationToken, Task> download, CancellationToken cancellationToken)
    {
        var temp = _blobs.NewTempPath("pull");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await download(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            return _blobs.Adopt(temp, digest);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
