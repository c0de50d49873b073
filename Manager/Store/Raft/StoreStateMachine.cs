using ClusterKit.Proto.Manager.V1;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Applies committed log entries (each a <see cref="LogBatch"/> of transactions) to the
/// manager's <see cref="MemoryStore"/>, and writes and restores whole-store snapshots.
/// </summary>
internal sealed partial class StoreStateMachine : SimpleStateMachine
{
    private readonly MemoryStore _store;
    private readonly long _snapshotEvery;
    private readonly ILogger _logger;
    private long _sinceSnapshot;
    private StoreState? _snapshotState;

    public StoreStateMachine(DirectoryInfo location, MemoryStore store, long snapshotEvery, ILogger logger)
        : base(location)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEvery, 1);
        _store = store;
        _snapshotEvery = snapshotEvery;
        _logger = logger;
    }

    private long _lastAppliedTerm;
    private long _snapshotTerm;

    public long SnapshotsTaken { get; private set; }

    /// <summary>Snapshots restored after start-up: installs sent by a leader.</summary>
    public long SnapshotsInstalled { get; private set; }

    /// <summary>Set once the local snapshot (if any) is restored; later restores are installs.</summary>
    public bool Started { get; set; }

    /// <summary>
    /// Raft term of the last entry applied here (or of the restored snapshot's last entry). A read barrier is complete
    /// only once this reaches the current term: see <see cref="RaftStore.ReadBarrierAsync"/>.
    /// </summary>
    public long LastAppliedTerm => Volatile.Read(ref _lastAppliedTerm);

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        Volatile.Write(ref _lastAppliedTerm, entry.Term);

        // Membership changes and the empty entry a new leader commits (RaftNode.CommitTermStartAsync) carry no payload.
        if (entry.IsConfiguration || !entry.TryGetPayload(out var payload) || payload.IsEmpty)
        {
            return ValueTask.FromResult(false);
        }

        LogBatch batch;
        try
        {
            batch = LogBatch.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"raft log entry {entry.Index} (term {entry.Term}) is not a store batch: {e.Message}", e);
        }

        var results = new StoreCommitResult[batch.Transactions.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = _store.Apply(batch.Transactions[i]);
        }

        // Only on the manager that proposed the entry: hand each writer its own verdict.
        if (entry.Context is BatchContext context)
        {
            context.Results = results;
        }

        if (++_sinceSnapshot < _snapshotEvery)
        {
            return ValueTask.FromResult(false);
        }

        // The snapshot is written in the background; capture the state of exactly this entry.
        _sinceSnapshot = 0;
        _snapshotState = _store.State;
        _snapshotTerm = entry.Term;
        return ValueTask.FromResult(true);
    }

    protected override async ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        var state = _snapshotState ?? _store.State;
        var captured = StoreSnapshots.Capture(state);
        captured.RaftTerm = (ulong)(_snapshotState is null ? LastAppliedTerm : _snapshotTerm);
        var bytes = captured.ToByteArray();
        await writer.Invoke(bytes, token).ConfigureAwait(false);
        SnapshotsTaken++;
        LogSnapshotWritten(_logger, state.Version, bytes.Length);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        // Not abandoned on cancellation: a half-restored store is worse than a slow restore.
        var bytes = await File.ReadAllBytesAsync(snapshotFile.FullName, CancellationToken.None).ConfigureAwait(false);
        StoreSnapshot snapshot;
        try
        {
            snapshot = StoreSnapshot.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"store snapshot {snapshotFile.FullName} is corrupt: {e.Message}", e);
        }

        _store.Restore(snapshot);
        Volatile.Write(ref _lastAppliedTerm, (long)snapshot.RaftTerm);
        _sinceSnapshot = 0;
        if (Started)
        {
            SnapshotsInstalled++;
        }

        LogSnapshotRestored(_logger, snapshotFile.Name, snapshot.Version, bytes.Length);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store snapshot written at store version {Version} ({Bytes} bytes)")]
    private static partial void LogSnapshotWritten(ILogger logger, ulong version, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store restored from snapshot {File} at store version {Version} ({Bytes} bytes)")]
    private static partial void LogSnapshotRestored(ILogger logger, string file, ulong version, int bytes);
}

/// <summary>Carried in-process from the proposer to the apply of its log entry: the per-transaction verdicts.</summary>
internal sealed class BatchContext
{
    public StoreCommitResult[]? Results { get; set; }
}
