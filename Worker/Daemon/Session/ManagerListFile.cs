using ClusterKit.Shared.Files;

namespace ClusterKit.Worker.Session;

/// <summary>
/// The latest manager list, kept under the data root so that a restarted worker knows
/// every manager, not only the ones on its command line. One HOST:PORT per line.
/// </summary>
internal sealed class ManagerListFile(string path)
{
    public string Path { get; } = path;

    /// <summary>The saved addresses; lines that are not HOST:PORT are skipped (reported in <paramref name="skipped"/>).</summary>
    public IReadOnlyList<string> Load(out IReadOnlyList<string> skipped)
    {
        var bad = new List<string>();
        skipped = bad;
        if (!File.Exists(Path))
        {
            return [];
        }

        var addresses = new List<string>();
        foreach (var line in File.ReadAllLines(Path))
        {
            var text = line.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (ManagerAddresses.Check(text) is { } address)
            {
                addresses.Add(address);
            }
            else
            {
                bad.Add(text);
            }
        }

        return addresses;
    }

    /// <summary>Replaces the file atomically (a crash leaves the old list or the new one).</summary>
    public void Save(IReadOnlyList<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        AtomicFile.WriteText(Path, string.Concat(addresses.Select(a => a + "\n")));
    }
}
