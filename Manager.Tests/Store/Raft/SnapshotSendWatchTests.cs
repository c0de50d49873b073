using ClusterKit.Manager.Store.Raft;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Store.Raft;

public sealed class SnapshotSendWatchTests
{
    private sealed class FakeSnapshot(long index) : ISnapshot
    {
        public int Writes { get; private set; }

        public long Index => index;

        public long Term => 3;

        public bool IsReusable => true;

        public long? Length => 4;

        public ValueTask WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
            where TWriter : IAsyncBinaryWriter
        {
            Writes++;
            return writer.Invoke(new byte[] { 1, 2, 3, 4 }, token);
        }
    }

    private sealed class FakeStateMachine : IStateMachine
    {
        public ISnapshot? Snapshot { get; set; }

        public ValueTask<long> ApplyAsync(LogEntry entry, CancellationToken token) => ValueTask.FromResult(entry.Index);

        public ValueTask ReclaimGarbageAsync(long watermark, CancellationToken token) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Writing_the_snapshot_to_a_member_marks_a_send_for_the_window_only()
    {
        var time = new FakeTimeProvider();
        var inner = new FakeSnapshot(12);
        var watch = new SnapshotSendWatch(new FakeStateMachine { Snapshot = inner }, time);
        Assert.False(watch.SentWithin(TimeSpan.FromSeconds(5)));

        // Reading the snapshot's index (the log does it on every read) is not a send.
        var snapshot = watch.Snapshot!;
        Assert.Equal(12, snapshot.Index);
        Assert.Equal(3, snapshot.Term);
        Assert.Same(snapshot, watch.Snapshot);
        Assert.False(watch.SentWithin(TimeSpan.FromSeconds(5)));

        using var sent = new MemoryStream();
        await snapshot.WriteToAsync(IAsyncBinaryWriter.Create(sent, new byte[64]), CancellationToken.None);
        Assert.Equal([1, 2, 3, 4], sent.ToArray());
        Assert.Equal(1, inner.Writes);
        Assert.True(watch.SentWithin(TimeSpan.FromSeconds(5)));

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(watch.SentWithin(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void No_snapshot_stays_none_and_a_new_one_gets_its_own_wrapper()
    {
        var machine = new FakeStateMachine();
        var watch = new SnapshotSendWatch(machine, new FakeTimeProvider());
        Assert.Null(watch.Snapshot);

        machine.Snapshot = new FakeSnapshot(1);
        var first = watch.Snapshot;
        machine.Snapshot = new FakeSnapshot(2);
        Assert.NotSame(first, watch.Snapshot);
        Assert.Equal(2, watch.Snapshot!.Index);
    }
}
