using System.Formats.Tar;
using System.IO.Compression;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Tests.Layers;

/// <summary>Helpers to build trees and tars and to describe them for comparison.</summary>
internal static class LayerFiles
{
    public static readonly LinuxSystemCalls Kernel = LinuxSystemCalls.Instance;

    public static void Write(string root, string relative, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100)
    {
        var path = Path.Combine(root, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetUnixFileMode(path, mode);
    }

    public static async Task<(byte[] Tar, string DiffId)> PackAsync(string directory, LayerSource source)
    {
        using var output = new MemoryStream();
        await new LayerPacker(Kernel).PackAsync(directory, output, source, null, CancellationToken.None);
        var bytes = output.ToArray();
        return (bytes, Digests.Of(bytes));
    }

    public static async Task UnpackAsync(byte[] tar, string destination, ISystemCalls? system = null)
    {
        System.IO.Directory.CreateDirectory(destination);
        using var input = new MemoryStream(tar);
        await new LayerUnpacker(system ?? Kernel).UnpackAsync(input, destination, CancellationToken.None);
    }

    public static List<string> EntryNames(byte[] tar)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    public static byte[] BuildTar(params TarEntry[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public static PaxTarEntry FileEntry(string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100) => new(TarEntryType.RegularFile, name)
    {
        DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
        Mode = mode,
        ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
    };

    public static PaxTarEntry DirectoryEntry(string name) => new(TarEntryType.Directory, name)
    {
        Mode = (UnixFileMode)0b111_101_101,
        ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
    };

    public static PaxTarEntry LinkEntry(TarEntryType type, string name, string target) => new(type, name)
    {
        LinkName = target,
        Mode = (UnixFileMode)0b111_111_111,
        ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
    };

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    /// <summary>One line per node: path, type, mode, owner, mtime, device, link target or content hash, xattrs.</summary>
    public static List<string> Describe(string root)
    {
        var lines = new List<string>();
        var inodes = new Dictionary<ulong, string>();
        foreach (var path in System.IO.Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path);
            var status = Kernel.GetFileStatus(path);
            var detail = status.Type switch
            {
                FileNodeType.RegularFile => Digests.Of(System.IO.File.ReadAllBytes(path))[..19],
                FileNodeType.SymbolicLink => "-> " + new FileInfo(path).LinkTarget,
                FileNodeType.CharacterDevice or FileNodeType.BlockDevice => $"{status.DeviceMajor}:{status.DeviceMinor}",
                _ => string.Empty,
            };
            if (status.Type == FileNodeType.RegularFile && status.LinkCount > 1)
            {
                detail += inodes.TryGetValue(status.Inode, out var first) ? " hardlink-of " + first : string.Empty;
                inodes.TryAdd(status.Inode, relative);
            }

            var mode = status.Type == FileNodeType.SymbolicLink ? "-" : Convert.ToString((int)status.Permissions, 8);
            var time = status.Type == FileNodeType.SymbolicLink ? "-" : status.ModificationTime.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var xattrs = string.Join(",", Kernel.ListExtendedAttributes(path).Order(StringComparer.Ordinal)
                .Select(n => n + "=" + System.Text.Encoding.UTF8.GetString(Kernel.GetExtendedAttribute(path, n) ?? [])));
            lines.Add($"{relative} {status.Type} {mode} {status.Uid}:{status.Gid} {time} {detail} {xattrs}".TrimEnd());
        }

        return lines;
    }
}
