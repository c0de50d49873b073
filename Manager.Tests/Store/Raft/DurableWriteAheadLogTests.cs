using System.Buffers.Binary;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>
/// A follower answers the leader's AppendEntries only once the entries are on its disk. DotNext's RaftCluster
/// appends a follower's entries through <see cref="IAuditTrail{TEntry}"/> and answers when that returns; the WAL
/// recovers on restart exactly the entries its checkpoint file (written through to disk after the data is
/// synced) names. So when the append returns, the checkpoint must already name the entries.
/// </summary>
public sealed class DurableWriteAheadLogTests
{
    [Fact]
    public async Task Entries_a_follower_receives_are_named_by_the_on_disk_checkpoint_when_the_append_returns()
    {
        var root = Directory.CreateTempSubdirectory("ckt-wal-");
        try
        {
            var walDirectory = Path.Combine(root.FullName, "wal");
            var heard = 0;
            await using var machine = new StoreStateMachine(new DirectoryInfo(Path.Combine(root.FullName, "snapshots")), new MemoryStore(), 50_000, NullLogger.Instance);
            await using var wal = new DurableWriteAheadLog(new WriteAheadLog.Options { Location = walDirectory }, machine, () => heard++);
            IAuditTrail<IRaftLogEntry> follower = wal;

            // Large enough that syncing them takes real disk time: an append that returned before the sync is caught.
            var payload = new byte[64 * 1024];
            long next = 1;
            for (var round = 0; round < 5; round++)
            {
                var entries = Enumerable.Range(0, 16).Select(_ => new BinaryLogEntry { Term = 1, Content = payload }).ToArray();
                await follower.AppendAsync(new LogEntryProducer<BinaryLogEntry>(entries), next, skipCommitted: true, CancellationToken.None);
                next += entries.Length;
                Assert.Equal(next - 1, CheckpointLastIndex(walDirectory));
            }

            // A heartbeat carries no entries: nothing to sync, but the leader was heard.
            await follower.AppendAsync(new LogEntryProducer<BinaryLogEntry>(), next, skipCommitted: true, CancellationToken.None);
            Assert.Equal(5, wal.FollowerSyncs);

            // Each entry received and each completed append tell that the leader is alive.
            Assert.Equal((5 * 17) + 5 + 1 + 1, heard);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_append_whose_leader_stopped_sending_mid_message_is_given_up_and_the_log_stays_usable()
    {
        var root = Directory.CreateTempSubdirectory("ckt-wal-");
        try
        {
            await using var machine = new StoreStateMachine(new DirectoryInfo(Path.Combine(root.FullName, "snapshots")), new MemoryStore(), 50_000, NullLogger.Instance);
            await using var wal = new DurableWriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(root.FullName, "wal") }, machine, () => { });
            IAuditTrail<IRaftLogEntry> follower = wal;
            var payload = new byte[128];

            var stalled = new StalledProducer(new BinaryLogEntry { Term = 1, Content = payload });
            var append = follower.AppendAsync(stalled, 1, skipCommitted: true, CancellationToken.None).AsTask();
            await stalled.SecondReadStarted.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(append.IsCompleted);

            wal.AbandonStalledAppend();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => append.WaitAsync(TimeSpan.FromSeconds(30)));

            // The next leader's entries replace what the broken transfer left, and are synced as usual.
            var next = new[] { new BinaryLogEntry { Term = 2, Content = payload }, new BinaryLogEntry { Term = 2, Content = payload } };
            await follower.AppendAsync(new LogEntryProducer<BinaryLogEntry>(next), 1, skipCommitted: true, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, wal.LastEntryIndex);
            Assert.Equal(2, CheckpointLastIndex(Path.Combine(root.FullName, "wal")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>Yields one entry, then waits for the next one forever, like a connection whose sender was paused.</summary>
    private sealed class StalledProducer(BinaryLogEntry first) : ILogEntryProducer<BinaryLogEntry>
    {
        private readonly TaskCompletionSource _secondRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        public Task SecondReadStarted => _secondRead.Task;

        public BinaryLogEntry Current => first;

        public long RemainingCount => 2 - _reads;

        public ValueTask<bool> MoveNextAsync()
        {
            if (++_reads == 1)
            {
                return ValueTask.FromResult(true);
            }

            _secondRead.TrySetResult();
            return new ValueTask<bool>(new TaskCompletionSource<bool>().Task);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>The last log index the WAL's checkpoint file names (version 1: version, commit index, last index).</summary>
    private static long CheckpointLastIndex(string walDirectory)
    {
        using var file = new FileStream(Path.Combine(walDirectory, "checkpoint"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Span<byte> bytes = stackalloc byte[20];
        file.ReadExactly(bytes);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        return BinaryPrimitives.ReadInt64LittleEndian(bytes[12..]);
    }
}
