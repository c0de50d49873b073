using System.Collections.Concurrent;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Files;
using ClusterKit.Worker.Runtime;
using Google.Protobuf;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// The worker's table of containers: in memory for lookups, one JSON file per container on
/// disk, written atomically (<see cref="AtomicFile"/>) after every change. Each container also has a
/// run directory of the same name under the run root (a tmpfs) for the runtime's state files.
/// Most changes are written before the call returns (<see cref="Save"/>); a start or an exit,
/// which the run directory records as well, is written just after on a thread of its own
/// (<see cref="SaveState"/>), so that answering the caller does not wait on the disk.
/// </summary>
public sealed class ContainerRecordStore : IDisposable
{
    private const string FileName = "container.json";
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly ConcurrentDictionary<string, ContainerRecord> _records = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly string _runRoot;

    // Writes of either kind are numbered; a file is never overwritten by an older text.
    private readonly Lock _pendingGate = new();
    private readonly Dictionary<string, (long Sequence, string Text)> _pendingStates = new(StringComparer.Ordinal);
    private readonly Lock _fileGate = new();
    private readonly Dictionary<string, long> _writtenSequence = new(StringComparer.Ordinal);
    private readonly BlockingCollection<string> _stateQueue = [];
    private readonly Thread _stateWriter;
    private readonly Action<string, Exception> _onStateWriteFailure;
    private long _sequence;

    /// <param name="containersDirectory">On disk: records, logs, overlay upper and work dirs.</param>
    /// <param name="runDirectory">The containers' run directories; null keeps them in their container directories.</param>
    /// <param name="onStateWriteFailure">Told about a state that could not be written (the next change writes the whole record again).</param>
    public ContainerRecordStore(string containersDirectory, string? runDirectory = null, Action<string, Exception>? onStateWriteFailure = null)
    {
        _root = containersDirectory;
        _runRoot = runDirectory ?? containersDirectory;
        _onStateWriteFailure = onStateWriteFailure ?? ((_, _) => { });
        Directory.CreateDirectory(_root);
        _stateWriter = new Thread(WriteStates) { IsBackground = true, Name = "ck-record-writer" };
        _stateWriter.Start();
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

    public bool Contains(string id) => _records.ContainsKey(id);

    /// <summary>Writes the record before returning (a created container must survive a crash of the worker).</summary>
    public void Save(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var id = record.Info.Id;
        var sequence = Interlocked.Increment(ref _sequence);
        var text = Formatter.Format(record);
        lock (_pendingGate)
        {
            _pendingStates.Remove(id);
        }

        var dir = DirectoryOf(id);
        Directory.CreateDirectory(dir);
        lock (_fileGate)
        {
            WriteAtomically(dir, text);
            _writtenSequence[id] = sequence;
        }

        _records[id] = record;
    }

    /// <summary>
    /// Records a start or an exit: the text is taken now (the caller holds the container's lock) and written on the
    /// writer thread. Only for states the run directory also holds, so that a worker that dies before the write finds
    /// them there; the latest of several queued states is the one written. A record whose directory is gone (the
    /// container was removed meanwhile) is not written back.
    /// </summary>
    public void SaveState(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var id = record.Info.Id;
        var sequence = Interlocked.Increment(ref _sequence);
        var text = Formatter.Format(record);
        bool queued;
        lock (_pendingGate)
        {
            queued = _pendingStates.ContainsKey(id);
            _pendingStates[id] = (sequence, text);
        }

        _records[id] = record;
        try
        {
            if (!queued)
            {
                _stateQueue.Add(id);
            }
        }
        catch (InvalidOperationException)
        {
            // The store is being disposed: write it here instead.
            WriteState(id);
        }
    }

    public void Forget(string id)
    {
        _records.TryRemove(id, out _);
        lock (_pendingGate)
        {
            _pendingStates.Remove(id);
        }

        lock (_fileGate)
        {
            _writtenSequence.Remove(id);
        }
    }

    /// <summary>Writes the queued states, then stops the writer thread.</summary>
    public void Dispose()
    {
        _stateQueue.CompleteAdding();
        _stateWriter.Join();
        _stateQueue.Dispose();
    }

    private void WriteStates()
    {
        foreach (var id in _stateQueue.GetConsumingEnumerable())
        {
            WriteState(id);
        }
    }

    private void WriteState(string id)
    {
        (long Sequence, string Text) pending;
        lock (_pendingGate)
        {
            if (!_pendingStates.Remove(id, out pending))
            {
                return;
            }
        }

        lock (_fileGate)
        {
            if (_writtenSequence.TryGetValue(id, out var written) && written > pending.Sequence)
            {
                return;
            }

            try
            {
                WriteAtomically(DirectoryOf(id), pending.Text);
                _writtenSequence[id] = pending.Sequence;
            }
            catch (Exception error) when (error is DirectoryNotFoundException or FileNotFoundException)
            {
                // Removed meanwhile: its directory was renamed to trash.
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                _onStateWriteFailure(id, error);
            }
        }
    }

    private static void WriteAtomically(string directory, string text)
    {
        var file = Path.Combine(directory, FileName);
        AtomicFile.WriteText(file, text);
    }
}
