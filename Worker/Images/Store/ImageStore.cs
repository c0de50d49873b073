using ClusterKit.Shared.Files;
using ClusterKit.Shared.Images;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Archives;
using ClusterKit.Worker.Images.Configs;
using ClusterKit.Worker.Images.Layers;
using ClusterKit.Worker.Images.Manifests;
using ClusterKit.Worker.Images.References;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Images.Store;

/// <summary>
/// The content-addressed image store under one data root (see docs/adr/0002-image-store.md).
/// Operations run one at a time per data root; each one stages its work in tmp/, adds blobs and
/// layers, and only then replaces index.json and names.json. If it fails, the blobs and layers it
/// added are taken back and the catalog is left as it was.
/// </summary>
public sealed partial class ImageStore : IImageStore
{
    // One lock and one live catalog per data root, shared by every ImageStore opened on it in this process.
    private static readonly Dictionary<string, SharedState> States = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly string _temp;
    private readonly SharedState _state;
    private readonly BlobStore _blobs;
    private readonly LayerStore _layers;
    private readonly LayerBuilder _builder;
    private readonly UnpackLimit _limit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ImageStore(ImageStoreOptions options, ISystemCalls system, TimeProvider time, ILogger<ImageStore>? logger = null)
    {
        _root = Path.GetFullPath(options.Root);
        _temp = Path.Combine(_root, "tmp");
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_temp);
        lock (States)
        {
            if (!States.TryGetValue(_root, out var state))
            {
                States[_root] = state = new SharedState(_root);
            }

            _state = state;
        }
        _blobs = new BlobStore(_root, _temp);
        _limit = new UnpackLimit(options.MaxUnpackedBytes);
        _layers = new LayerStore(_root, _temp, new LayerUnpacker(system), _limit);
        _builder = new LayerBuilder(new LayerPacker(system), _limit);
    }

    /// <summary>The data root.</summary>
    public string Root => _root;

    /// <summary>
    /// Opens the store at a process start: reads the catalog and deletes what operations cut short by a crash left in
    /// tmp/ (a partial download, a half-unpacked layer), so that a killed pull's bytes do not wait for the next pull.
    /// </summary>
    public Task RecoverAsync(CancellationToken cancellationToken = default) => SnapshotAsync(cancellationToken);

    public Task<ImageDetails> ImportAsync(ImportRequest request, CancellationToken cancellationToken = default)
    {
        var reference = ParseTarget(request.Reference);
        var containerConfig = ChangeLines.Apply(null, request.Changes);
        var source = Path.GetFullPath(request.SourcePath);
        if (!File.Exists(source) && !Directory.Exists(source))
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid import source '{request.SourcePath}': no such file or directory (expected a rootfs tar, tar.gz or directory)");
        }

        return WithLockAsync("import", async (catalog, added) =>
        {
            var temp = _blobs.NewTempPath("import");
            var layer = Directory.Exists(source)
                ? await _builder.FromDirectoryAsync(source, LayerSource.Directory, temp, cancellationToken)
                : await _builder.FromTarFileAsync(source, temp, cancellationToken);
            await AddLayerAsync(layer, added, cancellationToken);
            var now = Now();
            var config = new ImageConfigFile
            {
                Created = now,
                Architecture = ArchiveReader.HostArchitecture(),
                Os = "linux",
                Config = containerConfig,
                RootFileSystem = new RootFileSystem { DiffIds = [layer.DiffId] },
                History = [new HistoryEntry { Created = now, CreatedBy = "ck image import " + Path.GetFileName(source), Comment = NullIfEmpty(request.Message) }],
            };
            var layers = new List<Descriptor> { new() { MediaType = MediaTypes.OciLayerGzip, Digest = layer.BlobDigest, Size = layer.Size } };
            var image = await AddImageAsync(catalog, config, layers, added, cancellationToken);
            Name(catalog, reference, image);
            ImageStoreLog.ImageCreated(_logger, image.Id, "import", reference?.ToString() ?? "<none>");
            return Details(catalog, image);
        }, cancellationToken);
    }

    public Task<ImageDetails> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        var reference = ParseTarget(request.Reference);
        if (!Directory.Exists(request.UpperDirectory))
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid upper directory '{request.UpperDirectory}': no such directory");
        }

        return WithLockAsync("commit", async (catalog, added) =>
        {
            var parent = Resolve(catalog, request.ParentImageId);
            var containerConfig = ChangeLines.Apply(request.ContainerConfig ?? parent.Config.Config, request.Changes);
            var layer = await _builder.FromDirectoryAsync(request.UpperDirectory, LayerSource.OverlayUpper, _blobs.NewTempPath("commit"), cancellationToken);
            await AddLayerAsync(layer, added, cancellationToken);
            var now = Now();
            var config = ImageJson.Clone(parent.Config);
            config.Created = now;
            config.Author = NullIfEmpty(request.Author) ?? config.Author;
            config.Config = containerConfig;
            config.RootFileSystem = new RootFileSystem { DiffIds = [.. parent.Config.RootFileSystem.DiffIds, layer.DiffId] };
            config.History = [.. parent.Config.History ?? [], new HistoryEntry { Created = now, Author = NullIfEmpty(request.Author), CreatedBy = "ck container commit", Comment = NullIfEmpty(request.Comment) }];
            var layers = parent.Manifest.Layers.Append(new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = layer.BlobDigest, Size = layer.Size }).ToList();
            var image = await AddImageAsync(catalog, config, layers, added, cancellationToken);
            Name(catalog, reference, image);
            ImageStoreLog.ImageCreated(_logger, image.Id, "commit", reference?.ToString() ?? "<none>");
            return Details(catalog, image);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<ImageDetails>> ListAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await SnapshotAsync(cancellationToken);
        return [.. catalog.Images.Values.Select(i => Details(catalog, i)).OrderByDescending(d => d.Created).ThenBy(d => d.Id, StringComparer.Ordinal)];
    }

    public async Task<ImageDetails> InspectAsync(string reference, CancellationToken cancellationToken = default)
    {
        var catalog = await SnapshotAsync(cancellationToken);
        return Details(catalog, Resolve(catalog, reference));
    }

    public async Task<ImageConfigFile> ResolveConfigAsync(string imageId, CancellationToken cancellationToken = default)
    {
        var catalog = await SnapshotAsync(cancellationToken);
        return ImageJson.Clone(Resolve(catalog, imageId).Config);
    }

    public Task<IReadOnlyList<string>> GetLayerDirectoriesAsync(string imageId, CancellationToken cancellationToken = default) =>
        WithLockAsync<IReadOnlyList<string>>("layers", async (catalog, added) =>
        {
            var image = Resolve(catalog, imageId);
            var directories = new List<string>();
            for (var i = image.Manifest.Layers.Count - 1; i >= 0; i--)
            {
                // Unpack again if a layer directory went missing (a crash, or someone cleaning up by hand).
                var diffId = image.Config.RootFileSystem.DiffIds[i];
                if (await _layers.EnsureAsync(diffId, _blobs.PathOf(image.Manifest.Layers[i].Digest), cancellationToken))
                {
                    added.Layers.Add(diffId);
                }

                // overlayfs refuses a lowerdir given twice (old images repeat the empty layer); the
                // topmost copy of a layer re-applies everything the lower copy did, so it alone suffices.
                var directory = _layers.PathOf(diffId);
                if (!directories.Contains(directory))
                {
                    directories.Add(directory);
                }
            }

            return directories;
        }, cancellationToken, persist: false);

    public Task<ImageDetails> TagAsync(string source, string target, CancellationToken cancellationToken = default)
    {
        var reference = ParseTarget(target) ?? throw new ImageStoreException(ImageErrorKind.InvalidArgument, "invalid reference '': the target name is empty");
        return WithLockAsync("tag", (catalog, _) =>
        {
            var image = Resolve(catalog, source);
            Name(catalog, reference, image);
            return Task.FromResult(Details(catalog, image));
        }, cancellationToken);
    }

    public Task<ImageRemoval> RemoveAsync(string reference, bool force, Func<string, string?> containerUsingImage, CancellationToken cancellationToken = default) =>
        WithLockAsync("remove", (catalog, _) =>
        {
            var image = Resolve(catalog, reference, out var byName);
            var names = catalog.NamesOf(image).ToList();
            var untagged = new List<string>();
            void Untag(string canonical)
            {
                catalog.Names.Remove(canonical);
                var familiar = ImageReference.Parse(canonical).ToString();
                untagged.Add(familiar);
                ImageStoreLog.Untagged(_logger, familiar);
            }

            // Another name keeps the image: only this name goes (Docker's rule, force or not).
            if (byName is not null && names.Count > 1)
            {
                Untag(byName.Canonical);
                return Task.FromResult(new ImageRemoval(untagged, []));
            }

            if (containerUsingImage(image.Id) is { } container)
            {
                var shown = byName?.ToString() ?? ShortId(image.Id);
                if (!force)
                {
                    throw new ImageStoreException(ImageErrorKind.Conflict,
                        $"image {shown} is used by container {container}; remove the container first or use --force");
                }

                // Forced: the names go, the image stays (dangling) because the container still runs on its layers.
                foreach (var name in byName is null ? names : [byName.Canonical])
                {
                    Untag(name);
                }

                return Task.FromResult(new ImageRemoval(untagged, []));
            }

            if (byName is null && names.Count > 1 && !force)
            {
                throw new ImageStoreException(ImageErrorKind.Conflict,
                    $"image {ShortId(image.Id)} is referenced by {names.Count} names ({string.Join(", ", names.Select(n => ImageReference.Parse(n).ToString()))}); remove them by name or use --force");
            }

            foreach (var name in names)
            {
                Untag(name);
            }

            catalog.Images.Remove(image.ManifestDigest);
            return Task.FromResult(new ImageRemoval(untagged, [image.Id]));
        }, cancellationToken, collectGarbage: true);

    public async Task<long> SaveAsync(IReadOnlyList<string> references, string outputPath, ArchiveFormat format, CancellationToken cancellationToken = default)
    {
        if (references.Count == 0)
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, "nothing to save: give at least one image reference");
        }

        if (string.IsNullOrWhiteSpace(outputPath) || Directory.Exists(outputPath))
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid output path '{outputPath}': give a file to write the archive to, not a directory");
        }

        await _state.Lock.WaitAsync(cancellationToken);
        try
        {
            var catalog = await LoadedCatalogAsync(cancellationToken);
            var images = new List<ImageToSave>();
            foreach (var reference in references)
            {
                var image = Resolve(catalog, reference, out var byName);
                var names = byName is null ? [] : new List<ImageReference> { byName };
                var existing = images.FindIndex(i => i.Image.ManifestDigest == image.ManifestDigest);
                if (existing >= 0)
                {
                    images[existing] = images[existing] with { Names = [.. images[existing].Names, .. names.Where(n => !images[existing].Names.Contains(n))] };
                }
                else
                {
                    images.Add(new ImageToSave(image, names));
                }
            }

            return await new ArchiveWriter(_blobs).WriteAsync(images, outputPath, format, cancellationToken);
        }
        finally
        {
            _state.Lock.Release();
        }
    }

    public Task<IReadOnlyList<string>> LoadAsync(string inputPath, CancellationToken cancellationToken = default) =>
        WithLockAsync<IReadOnlyList<string>>("load", async (catalog, added) =>
        {
            var staging = _blobs.NewTempPath("load");
            try
            {
                var archive = await StagedArchive.ExtractAsync(inputPath, staging, _limit, cancellationToken);
                var images = await new ArchiveReader(_limit).ReadAsync(archive, cancellationToken);
                var loaded = new List<string>();
                foreach (var candidate in images)
                {
                    var image = await AddLoadedImageAsync(catalog, candidate, added, cancellationToken);
                    foreach (var name in candidate.Names)
                    {
                        Name(catalog, name, image);
                        loaded.Add(name.ToString());
                    }

                    if (candidate.Names.Count == 0)
                    {
                        loaded.Add(image.Id);
                    }

                    ImageStoreLog.ImageCreated(_logger, image.Id, "load", string.Join(", ", candidate.Names));
                }

                return loaded;
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }, cancellationToken);

    /// <summary>Deletes blobs and unpacked layers no image refers to (also run after every removal).</summary>
    public Task<ImageRemoval> CollectGarbageAsync(CancellationToken cancellationToken = default) =>
        WithLockAsync("gc", (catalog, _) => Task.FromResult(new ImageRemoval([], [])), cancellationToken, persist: false, collectGarbage: true);

    private async Task<StoredImage> AddLoadedImageAsync(ImageCatalog catalog, ImageToLoad candidate, AddedContent added, CancellationToken cancellationToken)
    {
        if (catalog.FindById(Digests.Of(candidate.ConfigBytes)) is { } known)
        {
            return known;
        }

        for (var i = 0; i < candidate.Layers.Count; i++)
        {
            var layer = candidate.Layers[i];
            if (!_blobs.Exists(layer.File.Digest) && _blobs.Adopt(layer.File.Path, layer.File.Digest))
            {
                added.Blobs.Add(layer.File.Digest);
            }

            if (await _layers.EnsureAsync(layer.DiffId, _blobs.PathOf(layer.File.Digest), cancellationToken))
            {
                added.Layers.Add(layer.DiffId);
            }
        }

        return await RegisterAsync(catalog, candidate.ConfigBytes, candidate.Config, candidate.ManifestBytes, candidate.ManifestMediaType, candidate.Manifest, added, cancellationToken);
    }

    private async Task AddLayerAsync(BuiltLayer layer, AddedContent added, CancellationToken cancellationToken)
    {
        if (_blobs.Adopt(layer.TempPath, layer.BlobDigest))
        {
            added.Blobs.Add(layer.BlobDigest);
        }

        if (await _layers.EnsureAsync(layer.DiffId, _blobs.PathOf(layer.BlobDigest), cancellationToken))
        {
            added.Layers.Add(layer.DiffId);
        }
    }

    private async Task<StoredImage> AddImageAsync(ImageCatalog catalog, ImageConfigFile config, List<Descriptor> layers, AddedContent added, CancellationToken cancellationToken)
    {
        var configBytes = ImageJson.Serialize(config);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digests.Of(configBytes), Size = configBytes.Length },
            Layers = layers,
        };
        return await RegisterAsync(catalog, configBytes, config, ImageJson.Serialize(manifest), MediaTypes.OciManifest, manifest, added, cancellationToken);
    }

    private async Task<StoredImage> RegisterAsync(ImageCatalog catalog, byte[] configBytes, ImageConfigFile config, byte[] manifestBytes, string mediaType, ImageManifest manifest, AddedContent added, CancellationToken cancellationToken)
    {
        // One image per id: a second manifest for a config already here (say gzip vs plain layers) adds nothing.
        if (catalog.FindById(Digests.Of(configBytes)) is { } known)
        {
            return known;
        }

        foreach (var content in new[] { configBytes, manifestBytes })
        {
            var (digest, isNew) = await _blobs.WriteAsync(content, cancellationToken);
            if (isNew)
            {
                added.Blobs.Add(digest);
            }
        }

        var image = new StoredImage(Digests.Of(manifestBytes), manifestBytes.Length, mediaType, manifest, config);
        catalog.Images[image.ManifestDigest] = image;
        return image;
    }

    private static void Name(ImageCatalog catalog, ImageReference? reference, StoredImage image)
    {
        if (reference is not null)
        {
            // A name that pointed at another image moves; that image stays, untagged if this was its last name.
            catalog.Names[reference.Canonical] = image.ManifestDigest;
        }
    }

    private static ImageReference? ParseTarget(string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return null;
        }

        var parsed = ImageReference.Parse(reference.Trim());
        return parsed.Digest is null
            ? parsed.WithDefaultTag()
            : throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid reference '{reference}': a name to create cannot pin a digest; use name[:tag]");
    }

    private static StoredImage Resolve(ImageCatalog catalog, string reference) => Resolve(catalog, reference, out _);

    /// <summary>
    /// Finds an image by full id (sha256:hex or hex), by name (name[:tag], name@digest), or by a
    /// unique id prefix, in that order. <paramref name="byName"/> is the name when a name matched.
    /// </summary>
    private static StoredImage Resolve(ImageCatalog catalog, string reference, out ImageReference? byName)
    {
        byName = null;
        var text = reference.Trim();
        if (text.Length == 0)
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, "invalid reference '': give a name[:tag], an image id or an id prefix");
        }

        var hex = text.StartsWith(Digests.Prefix, StringComparison.Ordinal) ? text[Digests.Prefix.Length..] : null;
        if (hex is not null || (text.Length == 64 && Digests.IsLowerHex(text)))
        {
            hex ??= text;
            if (hex.Length == 0 || hex.Length > 64 || !Digests.IsLowerHex(hex))
            {
                throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid image id '{text}': expected sha256: followed by up to 64 lowercase hex digits");
            }

            return ByIdPrefix(catalog, hex, text);
        }

        if (ImageReference.TryParse(text, out var parsed, out var error))
        {
            if (parsed.Digest is not null)
            {
                // A digest names a manifest here, or (recorded as a name by a pull) an index the image was chosen from.
                return catalog.Images.TryGetValue(parsed.Digest, out var pinned)
                    || (catalog.Names.TryGetValue(parsed.Canonical, out var chosen) && catalog.Images.TryGetValue(chosen, out pinned))
                    ? pinned
                    : throw new ImageStoreException(ImageErrorKind.NotFound, $"no such image: {parsed}");
            }

            var named = parsed.WithDefaultTag();
            if (catalog.Names.TryGetValue(named.Canonical, out var manifestDigest) && catalog.Images.TryGetValue(manifestDigest, out var image))
            {
                byName = named;
                return image;
            }

            if (Digests.IsLowerHex(text))
            {
                return ByIdPrefix(catalog, text, text);
            }

            throw new ImageStoreException(ImageErrorKind.NotFound, $"no such image: {named}");
        }

        throw new ImageStoreException(ImageErrorKind.InvalidArgument, error);
    }

    private static StoredImage ByIdPrefix(ImageCatalog catalog, string hexPrefix, string shown)
    {
        var matches = catalog.Images.Values.Where(i => i.Id.AsSpan(Digests.Prefix.Length).StartsWith(hexPrefix, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ImageStoreException(ImageErrorKind.NotFound, $"no such image: {shown}"),
            _ => throw new ImageStoreException(ImageErrorKind.Ambiguous, $"image id prefix '{shown}' matches {matches.Count} images; give more digits"),
        };
    }

    private static ImageDetails Details(ImageCatalog catalog, StoredImage image) => new(
        Id: image.Id,
        References: [.. catalog.NamesOf(image).Select(n => ImageReference.Parse(n).ToString()).Order(StringComparer.Ordinal)],
        ManifestDigest: image.ManifestDigest,
        Size: image.Manifest.Layers.Sum(l => l.Size),
        Created: image.Config.CreatedTime,
        Os: image.Config.Os,
        Architecture: image.Config.Architecture,
        Config: image.Config.Config?.Clone() ?? new ContainerConfig(),
        LayerDiffIds: [.. image.Config.RootFileSystem.DiffIds]);

    private static string ShortId(string id) => id[Digests.Prefix.Length..][..12];

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private string Now() => _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<ImageCatalog> SnapshotAsync(CancellationToken cancellationToken)
    {
        await _state.Lock.WaitAsync(cancellationToken);
        try
        {
            return await LoadedCatalogAsync(cancellationToken);
        }
        finally
        {
            _state.Lock.Release();
        }
    }

    /// <summary>The live catalog (read from disk on first use). Call with the lock held.</summary>
    private async Task<ImageCatalog> LoadedCatalogAsync(CancellationToken cancellationToken)
    {
        if (_state.Catalog is null)
        {
            await EnsureLayoutAsync(cancellationToken);
            _state.Catalog = await ImageCatalog.LoadAsync(_root, _blobs, (digest, ex) => ImageStoreLog.ImageSkipped(_logger, digest, ex.Message), cancellationToken);
        }

        return _state.Catalog;
    }

    private async Task EnsureLayoutAsync(CancellationToken cancellationToken)
    {
        var marker = Path.Combine(_root, "oci-layout");
        if (!File.Exists(marker))
        {
            await AtomicFile.WriteAsync(marker, ImageJson.Serialize(new OciLayoutMarker()), cancellationToken);
        }

        // Leftovers of operations cut short by a crash; nothing in tmp/ is referenced.
        foreach (var entry in Directory.EnumerateFileSystemEntries(_temp))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>
    /// Runs one mutation under the store lock against a copy of the catalog. On success the copy is
    /// written (index.json, then names.json) and becomes the live catalog; on failure the blobs and
    /// layers the mutation added are deleted and the live catalog is untouched.
    /// </summary>
    private async Task<T> WithLockAsync<T>(string operation, Func<ImageCatalog, AddedContent, Task<T>> mutation, CancellationToken cancellationToken, bool persist = true, bool collectGarbage = false)
    {
        await _state.Lock.WaitAsync(cancellationToken);
        try
        {
            var live = await LoadedCatalogAsync(cancellationToken);
            var working = live.Clone();
            var added = new AddedContent();
            T result;
            try
            {
                result = await mutation(working, added);
                if (persist)
                {
                    await working.SaveAsync(_root, cancellationToken);
                }
            }
            catch (Exception ex)
            {
                ImageStoreLog.RolledBack(_logger, operation, added.Blobs.Count, added.Layers.Count, ex.Message);
                foreach (var blob in added.Blobs)
                {
                    _blobs.Delete(blob);
                }

                foreach (var layer in added.Layers)
                {
                    _layers.Delete(layer);
                }

                throw;
            }

            _state.Catalog = working;
            if (collectGarbage)
            {
                var collected = CollectGarbage(working);
                if (result is ImageRemoval removal && removal.Deleted.Count > 0)
                {
                    ImageStoreLog.ImageDeleted(_logger, removal.Deleted[0], collected.Blobs, collected.Layers.Count);
                    result = (T)(object)(removal with { Deleted = [.. removal.Deleted, .. collected.Layers] });
                }
            }

            return result;
        }
        finally
        {
            _state.Lock.Release();
        }
    }

    private (int Blobs, List<string> Layers) CollectGarbage(ImageCatalog catalog)
    {
        var blobs = catalog.Images.Values.SelectMany(i => i.Blobs).ToHashSet(StringComparer.Ordinal);
        var diffIds = catalog.Images.Values.SelectMany(i => i.Config.RootFileSystem.DiffIds).ToHashSet(StringComparer.Ordinal);
        var deletedBlobs = 0;
        // Blobs a push or pull holds are not garbage yet: a pull registers its image only after downloading them.
        foreach (var blob in _blobs.All().Where(b => !blobs.Contains(b) && !_state.Pins.IsPinned(b)).ToList())
        {
            _blobs.Delete(blob);
            deletedBlobs++;
        }

        var deletedLayers = _layers.All().Where(l => !diffIds.Contains(l)).ToList();
        foreach (var layer in deletedLayers)
        {
            _layers.Delete(layer);
        }

        return (deletedBlobs, deletedLayers);
    }

    private sealed class SharedState : IDisposable
    {
        // Held for the life of the process: the data root belongs to one process (the worker daemon).
        private readonly FileStream _processLock;

        public SharedState(string root)
        {
            var path = Path.Combine(root, "lock");
            try
            {
                // FileShare.None takes an exclusive flock(2) on Linux, which another process cannot get.
                _processLock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new ImageStoreException(ImageErrorKind.Conflict, $"image store {root} is in use by another process (lock {path} is held)", ex);
            }
        }

        public SemaphoreSlim Lock { get; } = new(1, 1);

        /// <summary>Blobs in use by pushes and pulls of this process.</summary>
        public BlobPins Pins { get; } = new();

        /// <summary>Blob downloads running in this process, one per digest.</summary>
        public BlobDownloads Downloads { get; } = new();

        public void Dispose()
        {
            _processLock.Dispose();
            Lock.Dispose();
        }

        public ImageCatalog? Catalog { get; set; }
    }

    private sealed class AddedContent
    {
        public List<string> Blobs { get; } = [];

        public List<string> Layers { get; } = [];
    }
}
