using System.Reflection;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>
/// A linearizable read on a follower asks the leader for its commit index first. A leader that does not answer for a
/// moment (a busy machine: the connection timed out) is asked again; a lost majority fails the read at once.
/// </summary>
public sealed class ReadBarrierTests
{
    [Fact]
    public async Task A_leader_unreachable_for_a_moment_is_asked_again_and_the_read_completes()
    {
        var cluster = BarrierCluster.Create(attempt => attempt <= 2 ? Unreachable() : null);
        await using var store = Store(cluster, TimeSpan.FromSeconds(30));

        await store.Value.ReadBarrierAsync(CancellationToken.None);

        Assert.Equal(3, cluster.Attempts);
    }

    [Fact]
    public async Task A_leader_that_stays_unreachable_fails_the_read_as_no_leader_after_the_propose_timeout()
    {
        var cluster = BarrierCluster.Create(_ => Unreachable());
        await using var store = Store(cluster, TimeSpan.FromMilliseconds(400));

        var error = await Assert.ThrowsAsync<LeaderUnavailableException>(() => store.Value.ReadBarrierAsync(CancellationToken.None).AsTask());

        Assert.StartsWith("the read barrier could not reach the leader within 0.4 s", error.Message, StringComparison.Ordinal);
        Assert.True(cluster.Attempts > 1, $"asked {cluster.Attempts} time(s)");
    }

    [Fact]
    public async Task A_lost_majority_fails_the_read_at_once()
    {
        var cluster = BarrierCluster.Create(_ => new QuorumUnreachableException());
        await using var store = Store(cluster, TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<LeaderUnavailableException>(() => store.Value.ReadBarrierAsync(CancellationToken.None).AsTask());

        Assert.StartsWith("no leader is elected", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Attempts);
    }

    [Fact]
    public async Task The_callers_cancellation_ends_the_wait_as_a_cancellation()
    {
        var cluster = BarrierCluster.Create(_ => Unreachable());
        await using var store = Store(cluster, TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.Value.ReadBarrierAsync(cancel.Token).AsTask());
    }

    private static Exception Unreachable() => new TimeoutException("the leader did not answer within the request timeout");

    private static StoreUnderTest Store(BarrierCluster cluster, TimeSpan proposeTimeout)
    {
        var committer = new GroupCommitter((_, _, _) => throw new InvalidOperationException("no write in these tests"), new GroupCommitOptions(), NullLogger.Instance);
        var forwarder = new ForwardBatcher(new NoLeader(), new ForwardBatchOptions(), NullLogger.Instance);
        var store = new RaftStore(cluster.AsCluster, new MemoryStore(), committer, forwarder, TimeProvider.System, proposeTimeout, () => 1, () => true, cluster.BarrierAsync);
        return new StoreUnderTest(store, committer, forwarder);
    }

    private sealed record StoreUnderTest(RaftStore Value, GroupCommitter Committer, ForwardBatcher Forwarder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Forwarder.DisposeAsync();
            await Committer.DisposeAsync();
        }
    }

    private sealed class NoLeader : ILeaderBatchSender
    {
        public Task<IReadOnlyList<ProposeOutcome>> SendAsync(string leaderApi, IReadOnlyList<Transaction> transactions, CancellationToken token)
            => throw new LeaderUnavailableException("no leader in these tests");
    }

    /// <summary>
    /// A follower's view of a Raft cluster of which only what the read path uses answers: no leader known, term 1, and
    /// a barrier whose n-th call fails with what <c>fault(n)</c> returns (or completes for null).
    /// </summary>
    public class BarrierCluster : DispatchProxy
    {
        /// <summary>DotNext's in-memory log (term 0): the read path reads only its term.</summary>
        private static readonly ConsensusOnlyState Log = new();
        private Func<int, Exception?> _fault = _ => null;
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public IRaftCluster AsCluster => (IRaftCluster)(object)this;

        public static BarrierCluster Create(Func<int, Exception?> fault)
        {
            var cluster = (BarrierCluster)(object)Create<IRaftCluster, BarrierCluster>();
            cluster._fault = fault;
            return cluster;
        }

        public ValueTask BarrierAsync(CancellationToken token)
        {
            var fault = _fault(Interlocked.Increment(ref _attempts));
            return fault is null ? ValueTask.CompletedTask : ValueTask.FromException(fault);
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_AuditTrail" => Log,
            "get_Leader" or "add_LeaderChanged" or "remove_LeaderChanged" => null,
            _ => throw new NotSupportedException($"{targetMethod?.Name} is not used on the read path"),
        };
    }
}
