using System.Formats.Tar;
using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Archives;

/// <summary>A file of an unpacked archive: where it was put and what it hashes to.</summary>
internal sealed record StagedFile(string ArchivePath, string Path, string Digest, long Size);

/// <summary>
/// An image archive unpacked into a staging folder as flat numbered files (so no archive path can
/// point outside it), with every file's sha256. Symlinks and hard links between archive files (old
/// docker save shares layers that way) are followed inside the archive only.
/// </summary>
internal sealed class StagedArchive
{
    private const int MaxLinkDepth = 16;
    private readonly Dictionary<string, StagedFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    private StagedArchive(string name)
    {
        Name = name;
    }

    /// <summary>The archive's path, for errors.</summary>
    public string Name { get; }

    public static async Task<StagedArchive> ExtractAsync(string archivePath, string stagingDirectory, UnpackLimit limit, CancellationToken cancellationToken)
    {
        if (!File.Exists(archivePath))
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid input path '{archivePath}': no such file");
        }

        var staged = new StagedArchive(archivePath);
        Directory.CreateDirectory(stagingDirectory);
        try
        {
            await using var input = await Compression.OpenMaybeGzipAsync(archivePath, limit, $"archive {archivePath}", cancellationToken);
            await using var reader = new TarReader(input, leaveOpen: true);
            var count = 0;
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                var name = LayerUnpacker.Normalise(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        var path = Path.Combine(stagingDirectory, (count++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                        {
                            using var hashing = new HashingWriteStream(file, leaveOpen: true);
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(hashing, cancellationToken);
                            }

                            staged._files[name] = new StagedFile(name, path, hashing.Digest(), hashing.BytesWritten);
                        }

                        break;
                    case TarEntryType.SymbolicLink:
                        var directory = name.Contains('/', StringComparison.Ordinal) ? name[..name.LastIndexOf('/')] : string.Empty;
                        staged._links[name] = entry.LinkName.StartsWith('/') ? entry.LinkName : directory + "/" + entry.LinkName;
                        break;
                    case TarEntryType.HardLink:
                        staged._links[name] = entry.LinkName;
                        break;
                    default:
                        // Directories and anything else carry nothing an image archive needs.
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"archive {archivePath} is truncated or not a valid tar: {ex.Message}", ex);
        }

        return staged;
    }

    public bool Contains(string archivePath) => TryResolve(archivePath) is not null;

    /// <summary>The staged file for an archive path named by a manifest; <paramref name="namedBy"/> goes into the error.</summary>
    public StagedFile Get(string archivePath, string namedBy) =>
        TryResolve(archivePath)
        ?? throw new ImageStoreException(ImageErrorKind.CorruptContent, $"archive {Name} is missing '{archivePath}' (named by {namedBy})");

    public async Task<byte[]> ReadAsync(string archivePath, string namedBy, CancellationToken cancellationToken) =>
        await File.ReadAllBytesAsync(Get(archivePath, namedBy).Path, cancellationToken);

    private StagedFile? TryResolve(string archivePath)
    {
        string name;
        try
        {
            name = LayerUnpacker.Normalise(archivePath);
        }
        catch (ImageStoreException)
        {
            return null;
        }

        for (var depth = 0; depth < MaxLinkDepth; depth++)
        {
            if (_files.TryGetValue(name, out var file))
            {
                return file;
            }

            if (!_links.TryGetValue(name, out var target))
            {
                return null;
            }

            name = Collapse(target);
            if (name.Length == 0)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Resolves "." and ".." inside the archive; a path that climbs above the archive root resolves to nothing.</summary>
    private static string Collapse(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return string.Empty;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }
}
