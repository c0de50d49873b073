namespace ClusterKit.Manager.Tests.Registry.Http;

/// <summary>What the blob store left on disk; its directories are made with the first upload, so none may be there yet.</summary>
internal static class RegistryDisk
{
    public static IEnumerable<string> Entries(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFileSystemEntries(directory) : [];

    public static IEnumerable<string> Files(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories) : [];
}
