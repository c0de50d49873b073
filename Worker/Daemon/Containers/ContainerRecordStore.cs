using System.Collections.Concurrent;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Runtime;
using Google.Protobuf;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// The worker's table of containers: in memory for lookups, one JSON file per container on
/// disk, written atomically (temp file + rename) after every change. Each container also has a
/// run directory of the same name under the run root (a tmpfs) for the runtime's state files.
/// </summary>
public sealed class ContainerRecordStore
{
    private const string FileName = "container.json";
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly ConcurrentDictionary<string, ContainerRecord> _records = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly string _runRoot;

    /// <param name="containersDirectory">On disk: records, logs, overlay upper and work dirs.</param>
    /// <param name="runDirectory">The containers' run directories; null keeps them in their container directories.</param>
    public ContainerRecordStore(string containersDirectory, string? runDirectory = null)
    {
        _root = containersDirectory;
        _runRoot = runDirectory ?? containersDirectory;
        Directory.CreateDirectory(_root);
    }

    /// <summary>
    /// A container's directory is named by the first 16 characters of its id (64 random bits):
    /// the attach socket inside it must fit the kernel's 108-byte limit on socket paths.
    /// </summary>
    public string DirectoryOf(string id) => Path.Combine(_root, id.Length > DirectoryNameLength ? id[..DirectoryNameLength] : id);

    private const int DirectoryNameLength = 16;

    /// <summary>The container's run directory (plan, pid, exit, attach socket, rootfs mount point).</summary>
    public string RunDirectoryOf(string id) => Path.Combine(_runRoot, Path.GetFileName(DirectoryOf(id)));

    public ContainerPaths PathsOf(string id) => new(DirectoryOf(id), RunDirectoryOf(id));

    /// <summary>Removed containers' directories wait under this prefix until their files are deleted.</summary>
    private const string TrashPrefix = ".trash-";

    /// <summary>A fresh name beside the container directories to rename a removed container's directory to.</summary>
    public string NewTrashPath(string id) =>
        Path.Combine(_root, TrashPrefix + Path.GetFileName(DirectoryOf(id)) + "-" + Convert.ToHexString(Guid.NewGuid().ToByteArray(), 0, 4).ToLowerInvariant());

    /// <summary>Directories of removed containers whose files were not deleted yet (e.g. the worker stopped first).</summary>
    public IReadOnlyList<string> TrashLeftovers() =>
        [.. Directory.EnumerateDirectories(_root, TrashPrefix + "*")];

    /// <summary>Reads every record on disk; unreadable ones are returned as errors, not dropped silently.</summary>
    public IReadOnlyList<string> Load()
    {
        var problems = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            if (Path.GetFileName(dir).StartsWith(TrashPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var file = Path.Combine(dir, FileName);
            if (!File.Exists(file))
            {
                problems.Add($"{Path.GetFileName(dir)}: no {FileName}");
                continue;
            }

            try
            {
                var record = Parser.Parse<ContainerRecord>(File.ReadAllText(file));
                _records[record.Info.Id] = record;
            }
            catch (InvalidProtocolBufferException error)
            {
                problems.Add($"{file}: {error.Message}");
            }
        }

        return problems;
    }

    public IReadOnlyCollection<ContainerRecord> All => [.. _records.Values];

    public bool NameInUse(string name, out ContainerRecord? owner)
    {
        owner = _records.Values.FirstOrDefault(r => r.Info.Name == name);
        return owner is not null;
    }

    /// <summary>Finds by full id, unique id prefix or name.</summary>
    public ContainerRecord Find(string idOrName)
    {
        if (_records.TryGetValue(idOrName, out var exact))
        {
            return exact;
        }

        var byName = _records.Values.FirstOrDefault(r => r.Info.Name == idOrName);
        if (byName is not null)
        {
            return byName;
        }

        var matches = idOrName.Length == 0 ? [] : _records.Values.Where(r => r.Info.Id.StartsWith(idOrName, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ContainerNotFoundException(idOrName),
            _ => throw new ContainerConflictException($"container id prefix '{idOrName}' is ambiguous: give more characters or the name"),
        };
    }

    public void Save(ContainerRecord record)
    {
        var dir = DirectoryOf(record.Info.Id);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, FileName);
        var temp = file + ".tmp";
        File.WriteAllText(temp, Formatter.Format(record));
        File.Move(temp, file, overwrite: true);
        _records[record.Info.Id] = record;
    }

    public void Forget(string id)
    {
        _records.TryRemove(id, out _);
    }
}
