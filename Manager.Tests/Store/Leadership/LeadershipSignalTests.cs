using System.Net;
using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Leadership;

public sealed class LeadershipSignalTests
{
    [Fact]
    public void A_term_starts_once_ends_with_its_token_and_the_next_term_is_a_new_one()
    {
        using var signal = new LeadershipSignal();
        var events = new List<string>();
        signal.TermStarted += (_, t) => events.Add($"start {t.Term}");
        signal.TermEnded += (_, t) => events.Add($"end {t.Term} lost={t.Lost.IsCancellationRequested}");

        signal.Observe(null);
        Assert.Null(signal.Current);
        signal.Observe(3);
        var three = signal.Current!;
        signal.Observe(3);
        Assert.Same(three, signal.Current);
        Assert.False(three.IsOver);

        // Re-elected in a later term without an observed gap: the old term ends before the new one starts.
        signal.Observe(5);
        Assert.True(three.Lost.IsCancellationRequested);
        var five = signal.Current!;
        Assert.Equal(5, five.Term);
        signal.Observe(null);
        Assert.True(five.IsOver);
        Assert.Null(signal.Current);

        Assert.Equal(["start 3", "end 3 lost=True", "start 5", "end 5 lost=True"], events);
    }

    [Fact]
    public async Task Waiting_for_a_term_returns_the_current_one_or_the_next()
    {
        using var signal = new LeadershipSignal();
        var waiting = signal.WaitForTermAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Observe(7);
        var seven = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, seven.Term);
        Assert.Same(seven, await signal.WaitForTermAsync(CancellationToken.None));

        signal.Observe(null);
        var next = signal.WaitForTermAsync(CancellationToken.None);
        Assert.False(next.IsCompleted);
        signal.Observe(9);
        Assert.Equal(9, (await next.WaitAsync(TimeSpan.FromSeconds(10))).Term);

        using var cancel = new CancellationTokenSource();
        signal.Observe(null);
        var cancelled = signal.WaitForTermAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }

    [Fact]
    public async Task Following_raft_members_starts_a_term_only_once_its_leader_has_applied_an_entry_of_it_and_ends_it_when_followed_no_more()
    {
        using var dir = new TempDirectory("ckt-leadership");
        var members = LoopbackPorts.Free(3).Select(port => new IPEndPoint(IPAddress.Loopback, port)).ToArray();
        var nodes = new List<RaftNode>();
        var signals = new List<LeadershipSignal>();
        var followings = new List<IDisposable>();
        var seenAtStart = new List<(int Index, long Term, bool StoreLeads)>();
        try
        {
            for (var i = 0; i < members.Length; i++)
            {
                var node = await RaftNode.StartAsync(
                    new RaftNodeOptions
                    {
                        NodeId = $"m{i + 1}",
                        DataDirectory = dir.Combine($"m{i + 1}"),
                        RaftEndPoint = members[i],
                        ApiAddress = $"127.0.0.1:{members[i].Port + 1}",
                        Members = members,
                        StuckFollowerAfter = TimeSpan.Zero,

                        // Followed before the first election: each signal sees DotNext name the leader.
                        LowerElectionTimeoutMs = 1500,
                        UpperElectionTimeoutMs = 2500,
                    },
                    NullLoggerFactory.Instance,
                    TimeProvider.System,
                    onStuck: null,
                    CancellationToken.None);
                nodes.Add(node);
                var signal = new LeadershipSignal();
                var index = i;
                signal.TermStarted += (_, t) =>
                {
                    lock (seenAtStart)
                    {
                        seenAtStart.Add((index, t.Term, node.Store.IsLeader));
                    }
                };
                signals.Add(signal);
                followings.Add(signal.Follow(node));
            }

            var first = await Task.WhenAny(signals.Select(s => s.WaitForTermAsync(CancellationToken.None))).Unwrap().WaitAsync(TimeSpan.FromSeconds(60));
            var leader = signals.FindIndex(s => s.Current == first);
            Assert.True(leader >= 0);
            Assert.True(first.Term > 0);

            // DotNext names the leader before its term-start entry is applied; the term waited for the entry.
            lock (seenAtStart)
            {
                Assert.Contains((leader, first.Term, true), seenAtStart);
                Assert.DoesNotContain(seenAtStart, seen => !seen.StoreLeads);
            }

            Assert.False(first.IsOver);
            followings[leader].Dispose();
            Assert.True(first.Lost.IsCancellationRequested);
            Assert.Null(signals[leader].Current);

            // Followed again (a replaced member, the same leader): a new term object with a token of its own.
            followings[leader] = signals[leader].Follow(nodes[leader]);
            var again = await signals[leader].WaitForTermAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotSame(first, again);
            Assert.False(again.IsOver);
        }
        finally
        {
            followings.ForEach(f => f.Dispose());
            signals.ForEach(s => s.Dispose());
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
