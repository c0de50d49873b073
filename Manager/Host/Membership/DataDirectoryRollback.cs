namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Undoes a step that failed before anything was committed (an init whose raft address cannot
/// be bound): removes what the step created in the data directory, and nothing that was there before,
/// so the next `ck cluster init` starts from the same state as this one.
/// </summary>
internal sealed class DataDirectoryRollback
{
    private readonly string _dataDirectory;
    private readonly HashSet<string> _before;

    public DataDirectoryRollback(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        _before = Directory.Exists(dataDirectory)
            ? new HashSet<string>(Directory.EnumerateFileSystemEntries(dataDirectory), StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    public void Undo()
    {
        if (!Directory.Exists(_dataDirectory))
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(_dataDirectory).Where(e => !_before.Contains(e)).ToList())
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
}
