using System.Formats.Tar;
using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Manifests;
using ClusterKit.Worker.Images.References;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Archives;

/// <summary>One image to save and the names to record for it.</summary>
internal sealed record ImageToSave(StoredImage Image, IReadOnlyList<ImageReference> Names);

/// <summary>
/// Writes <c>ck image save</c> tars. Both formats are an OCI image layout (oci-layout, index.json,
/// blobs/sha256/); the docker format adds manifest.json and repositories, which is what Docker 25+
/// writes and what every <c>docker load</c> reads. Blobs go in as stored (layers stay gzip), so a
/// save and a load give back byte-identical blobs and the same ids. Entries carry fixed owners,
/// modes and times, so saving the same images twice gives the same bytes.
/// </summary>
internal sealed class ArchiveWriter
{
    private static readonly DateTimeOffset EntryTime = DateTimeOffset.UnixEpoch;
    private readonly BlobStore _blobs;

    public ArchiveWriter(BlobStore blobs)
    {
        _blobs = blobs;
    }

    public async Task<long> WriteAsync(IReadOnlyList<ImageToSave> images, string outputPath, ArchiveFormat format, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        if (!Directory.Exists(directory))
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid output path '{outputPath}': directory {directory} does not exist");
        }

        var temp = Path.Combine(directory, $".{Path.GetFileName(outputPath)}.tmp-{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await using (var tar = new TarWriter(file, TarEntryFormat.Gnu, leaveOpen: true))
                {
                    await WriteEntriesAsync(tar, images, format, cancellationToken);
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temp, outputPath, overwrite: true);
            return new FileInfo(outputPath).Length;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task WriteEntriesAsync(TarWriter tar, IReadOnlyList<ImageToSave> images, ArchiveFormat format, CancellationToken cancellationToken)
    {
        await DirectoryAsync(tar, "blobs/", cancellationToken);
        await DirectoryAsync(tar, "blobs/sha256/", cancellationToken);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images.Select(i => i.Image))
        {
            foreach (var digest in new[] { image.Manifest.Config.Digest }.Concat(image.Manifest.Layers.Select(l => l.Digest)).Append(image.ManifestDigest))
            {
                if (written.Add(digest))
                {
                    await BlobAsync(tar, digest, cancellationToken);
                }
            }
        }

        await FileAsync(tar, "oci-layout", ImageJson.Serialize(new OciLayoutMarker()), cancellationToken);
        await FileAsync(tar, "index.json", ImageJson.Serialize(Index(images)), cancellationToken);
        if (format == ArchiveFormat.Docker)
        {
            var entries = images.Select(i => new DockerArchiveEntry
            {
                Config = BlobPath(i.Image.Manifest.Config.Digest),
                RepoTags = i.Names.Count == 0 ? null : [.. i.Names.Select(n => n.ToString())],
                Layers = [.. i.Image.Manifest.Layers.Select(l => BlobPath(l.Digest))],
            }).ToList();
            await FileAsync(tar, "manifest.json", ImageJson.Serialize(entries), cancellationToken);
            await FileAsync(tar, "repositories", ImageJson.Serialize(Repositories(images)), cancellationToken);
        }
    }

    private static ImageIndexDocument Index(IReadOnlyList<ImageToSave> images)
    {
        var index = new ImageIndexDocument { MediaType = MediaTypes.OciIndex };
        foreach (var (image, names) in images.Select(i => (i.Image, i.Names)))
        {
            if (names.Count == 0)
            {
                index.Manifests.Add(Descriptor(image, null));
            }

            foreach (var name in names)
            {
                index.Manifests.Add(Descriptor(image, new Dictionary<string, string>
                {
                    [Annotations.ImageName] = name.Canonical,
                    [Annotations.RefName] = name.Tag ?? ImageReference.DefaultTag,
                }));
            }
        }

        return index;
    }

    private static Descriptor Descriptor(StoredImage image, Dictionary<string, string>? annotations) => new()
    {
        MediaType = image.ManifestMediaType,
        Digest = image.ManifestDigest,
        Size = image.ManifestSize,
        Annotations = annotations,
    };

    /// <summary>The legacy repositories file: repository -> tag -> top layer.</summary>
    private static SortedDictionary<string, SortedDictionary<string, string>> Repositories(IReadOnlyList<ImageToSave> images)
    {
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (image, names) in images.Select(i => (i.Image, i.Names)))
        {
            if (image.Manifest.Layers.Count == 0)
            {
                continue;
            }

            foreach (var name in names.Where(n => n.Tag is not null))
            {
                if (!repositories.TryGetValue(name.FamiliarRepository, out var tags))
                {
                    repositories[name.FamiliarRepository] = tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
                }

                tags[name.Tag!] = Digests.Hex(image.Manifest.Layers[^1].Digest);
            }
        }

        return repositories;
    }

    private static string BlobPath(string digest) => "blobs/sha256/" + Digests.Hex(digest);

    private async Task BlobAsync(TarWriter tar, string digest, CancellationToken cancellationToken)
    {
        var path = _blobs.PathOf(digest);
        if (!File.Exists(path))
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"cannot save: blob {digest} is missing from the image store");
        }

        await using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var entry = Entry(TarEntryType.RegularFile, BlobPath(digest));
        entry.DataStream = data;
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    private static async Task FileAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream(content);
        var entry = Entry(TarEntryType.RegularFile, name);
        entry.DataStream = data;
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    private static Task DirectoryAsync(TarWriter tar, string name, CancellationToken cancellationToken) =>
        tar.WriteEntryAsync(Entry(TarEntryType.Directory, name), cancellationToken);

    private static GnuTarEntry Entry(TarEntryType type, string name) => new(type, name)
    {
        Mode = type == TarEntryType.Directory
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        Uid = 0,
        Gid = 0,
        ModificationTime = EntryTime,
    };
}
