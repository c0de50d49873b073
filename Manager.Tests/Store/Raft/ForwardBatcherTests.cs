using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Raft;

public sealed class ForwardBatcherTests
{
    private const string Leader = "127.0.0.1:7001";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Transaction Put(string key, int valueBytes = 0) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key, Value = Google.Protobuf.ByteString.CopyFrom(new byte[valueBytes]) } } } },
    };

    /// <summary>
    /// Stands in for the leader: records each call, holds it until the test releases it, then
    /// answers with what <see cref="Answer"/> says per transaction (default: committed at a counter).
    /// </summary>
    private sealed class FakeLeader : ILeaderBatchSender
    {
        private readonly object _gate = new();
        private readonly List<TaskCompletionSource> _held = [];
        private ulong _version;

        public List<(string Leader, List<string> Keys)> Calls { get; } = [];

        public bool Hold { get; set; }

        /// <summary>Held calls end only when their token is cancelled (a paused leader).</summary>
        public bool Stalled { get; set; }

        public Func<string, ProposeOutcome?> Answer { get; set; } = _ => null;

        public Exception? Failure { get; set; }

        public CancellationToken LastToken { get; private set; }

        public async Task<IReadOnlyList<ProposeOutcome>> SendAsync(string leaderApi, IReadOnlyList<Transaction> transactions, CancellationToken token)
        {
            TaskCompletionSource? held = null;
            lock (_gate)
            {
                Calls.Add((leaderApi, [.. transactions.Select(t => t.Mutations[0].Object.Kv.Key)]));
                LastToken = token;
                if (Hold)
                {
                    held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _held.Add(held);
                }
            }

            if (held is not null)
            {
                // A stalled leader never answers; only the caller's token ends the call, as it ends a gRPC call.
                await (Stalled ? held.Task.WaitAsync(token) : held.Task);
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            lock (_gate)
            {
                return [.. transactions.Select(t => Answer(t.Mutations[0].Object.Kv.Key) ?? new ProposeOutcome { Version = ++_version })];
            }
        }

        public int CallCount
        {
            get
            {
                lock (_gate)
                {
                    return Calls.Count;
                }
            }
        }

        /// <summary>Lets every held call answer, and stops holding new ones.</summary>
        public void Release()
        {
            lock (_gate)
            {
                Hold = false;
                _held.ForEach(h => h.TrySetResult());
                _held.Clear();
            }
        }

        public async Task WaitForCallsAsync(int count)
        {
            var until = DateTime.UtcNow + Wait;
            while (CallCount < count)
            {
                Assert.True(DateTime.UtcNow < until, $"{CallCount} calls reached the leader, expected {count}");
                await Task.Delay(5);
            }
        }
    }

    [Fact]
    public async Task Writes_queued_while_a_batch_is_in_flight_go_together_in_the_next_call()
    {
        var leader = new FakeLeader { Hold = true };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions { MaxInFlight = 1 }, NullLogger.Instance);

        var first = batcher.ForwardAsync(Leader, Put("first"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var queued = Enumerable.Range(0, 50).Select(i => batcher.ForwardAsync(Leader, Put($"k{i}"), CancellationToken.None)).ToArray();
        await Task.Delay(50);
        Assert.Equal(1, leader.CallCount);

        leader.Release();
        var versions = await Task.WhenAll(queued).WaitAsync(Wait);

        Assert.Equal(1UL, await first);
        Assert.Equal(Enumerable.Range(2, 50).Select(v => (ulong)v), versions);
        Assert.Equal(2, leader.CallCount);
        Assert.Equal(["first"], leader.Calls[0].Keys);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"k{i}"), leader.Calls[1].Keys);
        Assert.Equal(2, batcher.Batches);
        Assert.Equal(51, batcher.Transactions);
    }

    [Fact]
    public async Task With_two_calls_in_flight_the_third_batch_waits_for_one_of_them()
    {
        var leader = new FakeLeader { Hold = true };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions { MaxInFlight = 2 }, NullLogger.Instance);

        var first = batcher.ForwardAsync(Leader, Put("first"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var second = batcher.ForwardAsync(Leader, Put("second"), CancellationToken.None);
        await leader.WaitForCallsAsync(2);
        var queued = Enumerable.Range(0, 30).Select(i => batcher.ForwardAsync(Leader, Put($"k{i}"), CancellationToken.None)).ToArray();
        await Task.Delay(50);
        Assert.Equal(2, leader.CallCount);

        leader.Release();
        await Task.WhenAll([first, second, .. queued]).WaitAsync(Wait);
        Assert.Equal(3, leader.CallCount);
        Assert.Equal(["second"], leader.Calls[1].Keys);
        Assert.Equal(30, leader.Calls[2].Keys.Count);
    }

    [Fact]
    public async Task A_batch_respects_the_transaction_and_byte_limits()
    {
        var leader = new FakeLeader { Hold = true };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions { MaxTransactions = 8, MaxBytes = 4096, MaxInFlight = 1 }, NullLogger.Instance);

        var first = batcher.ForwardAsync(Leader, Put("first"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var small = Enumerable.Range(0, 20).Select(i => batcher.ForwardAsync(Leader, Put($"s{i}"), CancellationToken.None)).ToList();

        // ~1.5 KiB each: two fit in 4 KiB, a third does not; one above the limit still goes alone.
        var large = Enumerable.Range(0, 3).Select(i => batcher.ForwardAsync(Leader, Put($"l{i}", 1500), CancellationToken.None)).ToList();
        var huge = batcher.ForwardAsync(Leader, Put("huge", 10_000), CancellationToken.None);
        leader.Release();
        await Task.WhenAll([first, .. small, .. large, huge]).WaitAsync(Wait);

        var sizes = leader.Calls.Select(c => c.Keys.Count).ToList();
        Assert.Equal([1, 8, 8, 6, 1, 1], sizes);
        Assert.Equal(["s16", "s17", "s18", "s19", "l0", "l1"], leader.Calls[3].Keys);
        Assert.Equal(["l2"], leader.Calls[4].Keys);
        Assert.Equal(["huge"], leader.Calls[5].Keys);
    }

    [Fact]
    public async Task A_conflict_fails_only_its_own_transaction()
    {
        var leader = new FakeLeader
        {
            Answer = key => key == "k3" ? new ProposeOutcome { Conflict = "create kv k3: already exists (version 1)" } : null,
            Hold = true,
        };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions { MaxInFlight = 1 }, NullLogger.Instance);
        var first = batcher.ForwardAsync(Leader, Put("first"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var writes = Enumerable.Range(0, 6).Select(i => batcher.ForwardAsync(Leader, Put($"k{i}"), CancellationToken.None)).ToArray();
        leader.Release();
        await first;

        var conflict = await Assert.ThrowsAsync<StoreConflictException>(() => writes[3]);
        Assert.Equal("create kv k3: already exists (version 1)", conflict.Message);
        foreach (var i in (int[])[0, 1, 2, 4, 5])
        {
            Assert.True(await writes[i] > 1);
        }

        Assert.Equal(2, leader.CallCount);
    }

    [Fact]
    public async Task An_unavailable_leader_makes_every_write_of_the_batch_retryable()
    {
        var leader = new FakeLeader { Hold = true, Failure = new LeaderUnavailableException("forwarding to the leader at 127.0.0.1:7001 failed: Unavailable: connection refused") };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions(), NullLogger.Instance);
        var first = batcher.ForwardAsync(Leader, Put("first"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var writes = Enumerable.Range(0, 5).Select(i => batcher.ForwardAsync(Leader, Put($"k{i}"), CancellationToken.None)).ToArray();
        leader.Release();

        foreach (var write in (Task<ulong>[])[first, .. writes])
        {
            var e = await Assert.ThrowsAsync<LeaderUnavailableException>(() => write);
            Assert.Contains("connection refused", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_retry_outcome_is_retryable_and_a_rejected_one_is_not()
    {
        var leader = new FakeLeader
        {
            Answer = key => key switch
            {
                "lost" => new ProposeOutcome { Retry = "this manager lost the leadership before the write was appended" },
                "empty" => new ProposeOutcome { Rejected = "propose batch: transaction 1 has no mutations; at least one is required" },
                _ => null,
            },
        };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions(), NullLogger.Instance);

        var lost = await Assert.ThrowsAsync<LeaderUnavailableException>(() => batcher.ForwardAsync(Leader, Put("lost"), CancellationToken.None));
        Assert.Equal("the leader at 127.0.0.1:7001 did not take the write: this manager lost the leadership before the write was appended", lost.Message);
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => batcher.ForwardAsync(Leader, Put("empty"), CancellationToken.None));
        Assert.StartsWith("the leader at 127.0.0.1:7001 refused the transaction: propose batch: transaction 1 has no mutations", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_failing_otherwise_leaves_the_outcome_unknown_and_is_not_retryable()
    {
        // As with a single forward: an error other than "unavailable" may have committed the writes.
        var leader = new FakeLeader { Failure = new InvalidOperationException("a store batch committed without its per-transaction results") };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions(), NullLogger.Instance);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.ForwardAsync(Leader, Put("k"), CancellationToken.None));
        Assert.Equal("a store batch committed without its per-transaction results", e.Message);
    }

    [Fact]
    public async Task A_wrong_number_of_outcomes_fails_the_batch_as_unknown()
    {
        var leader = new CountingLeader();
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions(), NullLogger.Instance);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.ForwardAsync(Leader, Put("k"), CancellationToken.None));
        Assert.Equal("the leader at 127.0.0.1:7001 answered 0 outcomes for 1 forwarded transactions; their outcome is unknown", e.Message);
    }

    private sealed class CountingLeader : ILeaderBatchSender
    {
        public Task<IReadOnlyList<ProposeOutcome>> SendAsync(string leaderApi, IReadOnlyList<Transaction> transactions, CancellationToken token)
            => Task.FromResult<IReadOnlyList<ProposeOutcome>>([]);
    }

    [Fact]
    public async Task Cancelling_one_writer_does_not_cancel_the_others_and_a_queued_write_is_not_sent()
    {
        var leader = new FakeLeader { Hold = true };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions { MaxInFlight = 1 }, NullLogger.Instance);
        using var inFlightCaller = new CancellationTokenSource();
        using var queuedCaller = new CancellationTokenSource();

        var inFlight = batcher.ForwardAsync(Leader, Put("in-flight"), inFlightCaller.Token);
        var neighbour = batcher.ForwardAsync(Leader, Put("neighbour"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var queued = batcher.ForwardAsync(Leader, Put("queued"), queuedCaller.Token);
        var other = batcher.ForwardAsync(Leader, Put("other"), CancellationToken.None);

        await inFlightCaller.CancelAsync();
        await queuedCaller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inFlight);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(leader.LastToken.IsCancellationRequested);

        leader.Release();
        Assert.True(await neighbour.WaitAsync(Wait) > 0);
        Assert.True(await other.WaitAsync(Wait) > 0);

        // The first call's keys depend on whether "neighbour" arrived before it left; "queued" never left.
        Assert.Contains("in-flight", leader.Calls[0].Keys);
        Assert.DoesNotContain(leader.Calls, c => c.Keys.Contains("queued"));
        Assert.Contains(leader.Calls, c => c.Keys.Contains("other"));
    }

    [Fact]
    public async Task Each_leader_has_its_own_queue()
    {
        var leader = new FakeLeader { Hold = true };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions(), NullLogger.Instance);
        var toOld = batcher.ForwardAsync("127.0.0.1:7001", Put("old"), CancellationToken.None);
        var toNew = batcher.ForwardAsync("127.0.0.1:7002", Put("new"), CancellationToken.None);

        // The second leader's write does not wait behind the first leader's call.
        await leader.WaitForCallsAsync(2);
        leader.Release();
        await Task.WhenAll(toOld, toNew).WaitAsync(Wait);
        Assert.Equal(["127.0.0.1:7001", "127.0.0.1:7002"], leader.Calls.Select(c => c.Leader).Order());
    }

    [Fact]
    public async Task A_call_unanswered_by_a_replaced_leader_is_given_up_and_its_writes_are_retryable()
    {
        var leader = new FakeLeader { Hold = true, Stalled = true };
        await using var batcher = new ForwardBatcher(leader, new ForwardBatchOptions(), NullLogger.Instance);
        var toStalled = batcher.ForwardAsync("127.0.0.1:7001", Put("stalled"), CancellationToken.None);
        var toNew = batcher.ForwardAsync("127.0.0.1:7002", Put("new"), CancellationToken.None);
        await leader.WaitForCallsAsync(2);

        // Naming the leader whose call is in flight changes nothing.
        batcher.LeaderIs("127.0.0.1:7002");
        var e = await Assert.ThrowsAsync<LeaderUnavailableException>(() => toStalled.WaitAsync(Wait));
        Assert.Contains("127.0.0.1:7001 was replaced", e.Message, StringComparison.Ordinal);
        Assert.False(toNew.IsCompleted);

        // The former leader's lane works again for later writes (it may be elected again).
        leader.Stalled = false;
        leader.Release();
        Assert.Equal(1UL, await toNew.WaitAsync(Wait));
        Assert.Equal(2UL, await batcher.ForwardAsync("127.0.0.1:7001", Put("later"), CancellationToken.None).WaitAsync(Wait));
    }

    [Fact]
    public async Task Writes_still_queued_at_shutdown_fail_as_shutting_down()
    {
        var leader = new FakeLeader { Hold = true };
        var batcher = new ForwardBatcher(leader, new ForwardBatchOptions { MaxInFlight = 1 }, NullLogger.Instance);
        var first = batcher.ForwardAsync(Leader, Put("first"), CancellationToken.None);
        await leader.WaitForCallsAsync(1);
        var queued = batcher.ForwardAsync(Leader, Put("queued"), CancellationToken.None);
        await batcher.DisposeAsync();
        leader.Release();

        var e = await Assert.ThrowsAsync<ObjectDisposedException>(() => queued);
        Assert.Contains("shutting down", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.ForwardAsync(Leader, Put("late"), CancellationToken.None));
        Assert.True(leader.LastToken.IsCancellationRequested);
        await first.WaitAsync(Wait);
    }

    [Fact]
    public void Bad_options_are_refused_with_the_value_and_the_range()
    {
        var e = Assert.Throws<ArgumentException>(() => new ForwardBatchOptions { MaxTransactions = 0 }.Validate());
        Assert.Equal("forward batch: MaxTransactions 0 is invalid; allowed: 1 or more", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ForwardBatchOptions { MaxBytes = 8 * 1024 * 1024 }.Validate());
        Assert.Equal("forward batch: MaxBytes 8388608 is invalid; allowed: 1024 to 3145728", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ForwardBatchOptions { MaxInFlight = 0 }.Validate());
        Assert.Equal("forward batch: MaxInFlight 0 is invalid; allowed: 1 to 16", e.Message);
    }
}
