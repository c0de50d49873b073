using System.Formats.Tar;
using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Store;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Worker.Images.Tests.Store;

/// <summary>One busybox rootfs for a test class; each test opens its own stores in its own folders.</summary>
public sealed class BusyboxFixture : IDisposable
{
    private readonly TempDirectory _temp = new("ckt-busybox");

    public BusyboxFixture()
    {
        Rootfs = BusyboxRootfs.Create(_temp.Combine("rootfs"));
    }

    public string Rootfs { get; }

    public void Dispose() => _temp.Dispose();
}

internal static class StoreFiles
{
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static ImageStore Open(string root) =>
        new(new ImageStoreOptions { Root = root }, LinuxSystemCalls.Instance, new FakeTimeProvider(Now));

    /// <summary>Every file and directory under the store root (except tmp/ and the lock file) with a hash of its content.</summary>
    public static SortedDictionary<string, string> Snapshot(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, path);
            if (relative is "tmp" or "lock" || relative.StartsWith("tmp/", StringComparison.Ordinal))
            {
                continue;
            }

            result[relative] = File.GetAttributes(path).HasFlag(FileAttributes.Directory) || new FileInfo(path).LinkTarget is not null
                ? "-"
                : Digests.Of(File.ReadAllBytes(path));
        }

        return result;
    }

    public static List<(string Name, byte[] Content)> ReadTar(string path)
    {
        using var reader = new TarReader(File.OpenRead(path));
        var entries = new List<(string, byte[])>();
        while (reader.GetNextEntry() is { } entry)
        {
            using var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            entries.Add((entry.Name, content.ToArray()));
        }

        return entries;
    }

    public static void WriteTar(string path, IEnumerable<(string Name, byte[] Content)> entries, IEnumerable<(string Name, string Target)>? symlinks = null)
    {
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (name, content) in entries)
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0b110_100_100 });
        }

        foreach (var (name, target) in symlinks ?? [])
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        }
    }
}
