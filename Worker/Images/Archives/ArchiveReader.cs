using System.Runtime.InteropServices;
using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Configs;
using ClusterKit.Worker.Images.Layers;
using ClusterKit.Worker.Images.Manifests;
using ClusterKit.Worker.Images.References;

namespace ClusterKit.Worker.Images.Archives;

/// <summary>A layer of an image to load, checked against its manifest digest and its config diff id.</summary>
internal sealed record LayerToLoad(StagedFile File, string MediaType, string DiffId);

/// <summary>An image found in an archive, fully verified, not yet in the store.</summary>
internal sealed record ImageToLoad(
    byte[] ManifestBytes,
    string ManifestMediaType,
    ImageManifest Manifest,
    byte[] ConfigBytes,
    ImageConfigFile Config,
    IReadOnlyList<LayerToLoad> Layers,
    IReadOnlyList<ImageReference> Names);

/// <summary>
/// Reads the images of a staged archive: docker-archive (manifest.json; old style with
/// &lt;hex&gt;/layer.tar and &lt;hex&gt;.json, or new style with blobs/) or OCI layout (index.json).
/// Every config, manifest and layer is checked against its digest and every layer against the
/// config's diff ids before anything reaches the store.
/// </summary>
internal sealed class ArchiveReader(UnpackLimit limit)
{
    private const string DockerManifest = "manifest.json";
    private const string OciIndex = "index.json";

    public async Task<IReadOnlyList<ImageToLoad>> ReadAsync(StagedArchive archive, CancellationToken cancellationToken)
    {
        if (archive.Contains(DockerManifest))
        {
            return await ReadDockerAsync(archive, cancellationToken);
        }

        if (archive.Contains(OciIndex))
        {
            return await ReadOciAsync(archive, cancellationToken);
        }

        throw new ImageStoreException(ImageErrorKind.CorruptContent,
            $"archive {archive.Name} is neither a docker-save archive nor an OCI layout: it has no manifest.json and no index.json");
    }

    private async Task<IReadOnlyList<ImageToLoad>> ReadDockerAsync(StagedArchive archive, CancellationToken cancellationToken)
    {
        var entries = ImageJson.Deserialize<List<DockerArchiveEntry>>(
            await archive.ReadAsync(DockerManifest, "the archive", cancellationToken), $"manifest.json of {archive.Name}");
        if (entries.Count == 0)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"manifest.json of {archive.Name} lists no images");
        }

        // New-style archives also carry OCI manifests; reusing them keeps manifest digests stable across save and load.
        var ociManifests = archive.Contains(OciIndex) ? await OciManifestsByConfigAsync(archive, cancellationToken) : [];
        var images = new List<ImageToLoad>();
        foreach (var entry in entries)
        {
            var configFile = archive.Get(entry.Config, "manifest.json");
            ExpectNamedDigest(archive, entry.Config, configFile.Digest);
            var configBytes = await File.ReadAllBytesAsync(configFile.Path, cancellationToken);
            var config = ImageJson.Deserialize<ImageConfigFile>(configBytes, $"config {entry.Config} of {archive.Name}");
            var diffIds = config.RootFileSystem.DiffIds;
            if (diffIds.Count != entry.Layers.Count)
            {
                throw new ImageStoreException(ImageErrorKind.CorruptContent,
                    $"archive {archive.Name}: manifest.json lists {entry.Layers.Count} layers for config {entry.Config}, but the config has {diffIds.Count} diff_ids");
            }

            var layers = new List<LayerToLoad>();
            for (var i = 0; i < entry.Layers.Count; i++)
            {
                var file = archive.Get(entry.Layers[i], "manifest.json");
                ExpectNamedDigest(archive, entry.Layers[i], file.Digest);
                layers.Add(await CheckLayerAsync(archive, file, diffIds[i], null, cancellationToken));
            }

            var names = (entry.RepoTags ?? []).Select(ImageReference.Parse).Select(r => r.WithDefaultTag()).ToList();
            if (ociManifests.TryGetValue(configFile.Digest, out var oci) && oci.Manifest.Layers.Select(l => l.Digest).SequenceEqual(layers.Select(l => l.File.Digest)))
            {
                images.Add(new ImageToLoad(oci.Bytes, oci.MediaType, oci.Manifest, configBytes, config, layers, names));
                continue;
            }

            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configFile.Digest, Size = configFile.Size },
                Layers = [.. layers.Select(l => new Descriptor { MediaType = l.MediaType, Digest = l.File.Digest, Size = l.File.Size })],
            };
            images.Add(new ImageToLoad(ImageJson.Serialize(manifest), MediaTypes.OciManifest, manifest, configBytes, config, layers, names));
        }

        return images;
    }

    private static async Task<Dictionary<string, (byte[] Bytes, string MediaType, ImageManifest Manifest)>> OciManifestsByConfigAsync(StagedArchive archive, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (byte[], string, ImageManifest)>(StringComparer.Ordinal);
        var index = ImageJson.Deserialize<ImageIndexDocument>(await archive.ReadAsync(OciIndex, "the archive", cancellationToken), $"index.json of {archive.Name}");
        foreach (var descriptor in index.Manifests.Where(d => MediaTypes.IsManifest(d.MediaType)))
        {
            if (archive.Contains(BlobPath(descriptor.Digest)))
            {
                var bytes = await ReadBlobAsync(archive, descriptor.Digest, "index.json", cancellationToken);
                var manifest = ImageJson.Deserialize<ImageManifest>(bytes, $"manifest {descriptor.Digest} of {archive.Name}");
                result[manifest.Config.Digest] = (bytes, descriptor.MediaType, manifest);
            }
        }

        return result;
    }

    private async Task<IReadOnlyList<ImageToLoad>> ReadOciAsync(StagedArchive archive, CancellationToken cancellationToken)
    {
        var index = ImageJson.Deserialize<ImageIndexDocument>(await archive.ReadAsync(OciIndex, "the archive", cancellationToken), $"index.json of {archive.Name}");
        var images = new List<ImageToLoad>();
        foreach (var descriptor in index.Manifests)
        {
            var names = NamesFrom(descriptor);
            foreach (var (bytes, mediaType, manifest) in await ManifestsAsync(archive, descriptor, 0, cancellationToken))
            {
                var configBytes = await ReadBlobAsync(archive, manifest.Config.Digest, $"manifest {descriptor.Digest}", cancellationToken);
                var config = ImageJson.Deserialize<ImageConfigFile>(configBytes, $"config {manifest.Config.Digest} of {archive.Name}");
                if (config.RootFileSystem.DiffIds.Count != manifest.Layers.Count)
                {
                    throw new ImageStoreException(ImageErrorKind.CorruptContent,
                        $"archive {archive.Name}: manifest {descriptor.Digest} has {manifest.Layers.Count} layers, but its config has {config.RootFileSystem.DiffIds.Count} diff_ids");
                }

                var layers = new List<LayerToLoad>();
                for (var i = 0; i < manifest.Layers.Count; i++)
                {
                    var layer = manifest.Layers[i];
                    var file = archive.Get(BlobPath(layer.Digest), $"manifest {descriptor.Digest}");
                    ExpectDigest(archive, layer.Digest, file.Digest);
                    layers.Add(await CheckLayerAsync(archive, file, config.RootFileSystem.DiffIds[i], layer.MediaType, cancellationToken));
                }

                var existing = images.FindIndex(i => i.Manifest.Config.Digest == manifest.Config.Digest);
                if (existing >= 0)
                {
                    // The same image under another name: one image, both names.
                    images[existing] = images[existing] with { Names = [.. images[existing].Names, .. names] };
                    continue;
                }

                images.Add(new ImageToLoad(bytes, mediaType, manifest, configBytes, config, layers, names));
            }
        }

        return images.Count > 0
            ? images
            : throw new ImageStoreException(ImageErrorKind.CorruptContent, $"index.json of {archive.Name} lists no image for {PlatformName()}");
    }

    /// <summary>The image manifests a descriptor leads to; an index is followed to the entry for this host's platform.</summary>
    private static async Task<List<(byte[] Bytes, string MediaType, ImageManifest Manifest)>> ManifestsAsync(StagedArchive archive, Descriptor descriptor, int depth, CancellationToken cancellationToken)
    {
        var bytes = await ReadBlobAsync(archive, descriptor.Digest, "index.json", cancellationToken);
        if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            return [(bytes, descriptor.MediaType, ImageJson.Deserialize<ImageManifest>(bytes, $"manifest {descriptor.Digest} of {archive.Name}"))];
        }

        if (MediaTypes.IsIndex(descriptor.MediaType) && depth < 4)
        {
            var nested = ImageJson.Deserialize<ImageIndexDocument>(bytes, $"index {descriptor.Digest} of {archive.Name}");
            var match = nested.Manifests.FirstOrDefault(m => m.Platform is { } p && p.Os == "linux" && p.Architecture == HostArchitecture())
                ?? nested.Manifests.FirstOrDefault(m => m.Platform is null);
            return match is null ? [] : await ManifestsAsync(archive, match, depth + 1, cancellationToken);
        }

        throw new ImageStoreException(ImageErrorKind.CorruptContent,
            $"archive {archive.Name}: descriptor {descriptor.Digest} has media type '{descriptor.MediaType}'; allowed: OCI or Docker image manifests and indexes");
    }

    private static List<ImageReference> NamesFrom(Descriptor descriptor)
    {
        var annotations = descriptor.Annotations ?? [];
        if (annotations.TryGetValue(Annotations.ImageName, out var full) && ImageReference.TryParse(full, out var reference, out _))
        {
            return [reference.WithDefaultTag()];
        }

        // org.opencontainers.image.ref.name is often a bare tag, which names no repository.
        return annotations.TryGetValue(Annotations.RefName, out var refName)
            && (refName.Contains('/', StringComparison.Ordinal) || refName.Contains(':', StringComparison.Ordinal))
            && ImageReference.TryParse(refName, out var named, out _)
            ? [named.WithDefaultTag()]
            : [];
    }

    private async Task<LayerToLoad> CheckLayerAsync(StagedArchive archive, StagedFile file, string expectedDiffId, string? mediaType, CancellationToken cancellationToken)
    {
        var gzip = await Compression.IsGzipAsync(file.Path, cancellationToken);
        string diffId;
        try
        {
            await using var content = await Compression.OpenMaybeGzipAsync(file.Path, limit, $"archive {archive.Name}: layer '{file.ArchivePath}'", cancellationToken);
            await using var hashing = new HashingReadStream(content);
            diffId = await hashing.DrainAndDigestAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"archive {archive.Name}: layer '{file.ArchivePath}' is a corrupt gzip stream: {ex.Message}", ex);
        }

        if (diffId != expectedDiffId)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent,
                $"archive {archive.Name}: layer '{file.ArchivePath}' has diff id {diffId}, but the config expects {expectedDiffId} (truncated or altered layer)");
        }

        return new LayerToLoad(file, mediaType ?? (gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer), diffId);
    }

    private static async Task<byte[]> ReadBlobAsync(StagedArchive archive, string digest, string namedBy, CancellationToken cancellationToken)
    {
        var file = archive.Get(BlobPath(digest), namedBy);
        ExpectDigest(archive, digest, file.Digest);
        return await File.ReadAllBytesAsync(file.Path, cancellationToken);
    }

    /// <summary>A file named blobs/sha256/HEX or HEX.json (old docker save configs) must hash to HEX.</summary>
    private static void ExpectNamedDigest(StagedArchive archive, string archivePath, string actual)
    {
        var name = Path.GetFileName(archivePath);
        var hex = name.EndsWith(".json", StringComparison.Ordinal) ? name[..^5] : name;
        if (hex.Length == 64 && Digests.IsLowerHex(hex))
        {
            ExpectDigest(archive, Digests.Prefix + hex, actual);
        }
    }

    private static void ExpectDigest(StagedArchive archive, string expected, string actual)
    {
        if (!Digests.IsValid(expected))
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"archive {archive.Name}: invalid digest '{expected}'");
        }

        if (expected != actual)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"archive {archive.Name}: digest mismatch: blob {expected} hashes to {actual}");
        }
    }

    private static string BlobPath(string digest) => "blobs/sha256/" + Digests.Hex(digest);

    private static string PlatformName() => $"linux/{HostArchitecture()}";

    /// <summary>The OCI name of this machine's architecture.</summary>
    internal static string HostArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
