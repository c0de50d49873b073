using System.Diagnostics;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>Key-value writes, reads and leases through Raft (ADR 0017): three real ck-manager processes.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class KvClusterTests
{
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(20);

    private static ByteString B(string text) => ByteString.CopyFromUtf8(text);

    private static async Task<ProposeResponse> WriteAsync(ManagerProcess manager, KvWrite write)
        => await manager.Client.ProposeAsync(new ProposeRequest { Transaction = new Transaction { Kv = write } }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(15));

    private static Task<ProposeResponse> PutAsync(ManagerProcess manager, string key, string value, long lease = 0, bool prevKv = false)
        => WriteAsync(manager, new KvWrite { Put = new KvPut { Key = B(key), Value = B(value), Lease = lease, PrevKv = prevKv } });

    private static async Task<KvRangeResponse> RangeAsync(ManagerProcess manager, string key, string end = "", bool linearizable = true)
        => await manager.Client.KvRangeAsync(
            new KvRangeRequest { Range = new KvRange { Key = B(key), RangeEnd = B(end) }, Linearizable = linearizable },
            deadline: DateTime.UtcNow + TimeSpan.FromSeconds(15));

    private static async Task<KvLeaseKeepAliveResponse> KeepAliveAsync(ManagerProcess manager, long id)
        => await manager.Client.KvLeaseKeepAliveAsync(new KvLeaseKeepAliveRequest { Id = id }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(15));

    private static KvWrite DuplicateKeyTxn() => new()
    {
        Txn = new KvTxn
        {
            Success =
            {
                new KvRequestOp { Put = new KvPut { Key = B("dup"), Value = B("1") } },
                new KvRequestOp { Put = new KvPut { Key = B("dup"), Value = B("2") } },
            },
        },
    };

    private static KvWrite FailedCompareTxn() => new()
    {
        Txn = new KvTxn
        {
            Compare = { new KvCompare { Key = B("a"), Target = KvCompareTarget.Value, Result = KvCompareResult.Equal, Value = B("wrong") } },
            Success = { new KvRequestOp { Put = new KvPut { Key = B("a"), Value = B("never") } } },
            Failure = { new KvRequestOp { Range = new KvRange { Key = B("a") } } },
        },
    };

    [Fact]
    public async Task A_write_on_a_follower_returns_what_the_leader_applied_and_failures_keep_their_code()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var follower = cluster.Managers.First(m => m != leader);

        var first = await PutAsync(follower, "a", "1");
        Assert.Equal(2, first.Kv.Revision);
        Assert.Null(first.Kv.Put.PrevKv);
        var second = await PutAsync(follower, "a", "2", prevKv: true);
        Assert.Equal(3, second.Kv.Revision);
        Assert.Equal(new KvKeyValue { Key = B("a"), Value = B("1"), CreateRevision = 2, ModRevision = 2, Version = 1 }, second.Kv.Put.PrevKv);
        var onLeader = await PutAsync(leader, "a", "3", prevKv: true);
        Assert.Equal(new KvKeyValue { Key = B("a"), Value = B("2"), CreateRevision = 2, ModRevision = 3, Version = 2 }, onLeader.Kv.Put.PrevKv);

        // A failed compare is an answer (the failure branch, its reads), the same from either manager, at the same revision.
        var viaFollower = await WriteAsync(follower, FailedCompareTxn());
        var viaLeader = await WriteAsync(leader, FailedCompareTxn());
        Assert.False(viaFollower.Kv.Txn.Succeeded);
        Assert.Equal(viaLeader.Kv, viaFollower.Kv);
        Assert.Equal(4, viaFollower.Kv.Revision);
        Assert.Equal("3", viaFollower.Kv.Txn.Responses[0].Range.Kvs[0].Value.ToStringUtf8());

        // Refused writes keep etcd's code and message through the forwarding hop; nothing is applied.
        foreach (var (write, code, message) in new[]
        {
            (DuplicateKeyTxn(), KvErrorCode.DuplicateKey, "etcdserver: duplicate key given in txn request"),
            (new KvWrite { Put = new KvPut { Key = B("b"), Value = B("x"), Lease = 0x999 } }, KvErrorCode.LeaseNotFound, "etcdserver: requested lease not found"),
            (new KvWrite { Compact = new KvCompact { Revision = 99 } }, KvErrorCode.FutureRevision, "mvcc: required revision is a future revision"),
        })
        {
            var failed = await WriteAsync(follower, write);
            var failedOnLeader = await WriteAsync(leader, write);
            Assert.Equal(0UL, failed.Version);
            Assert.Null(failed.Kv);
            Assert.Equal((int)code, failed.KvFailure.Code);
            Assert.StartsWith(message, failed.KvFailure.Message, StringComparison.Ordinal);
            Assert.Equal(failedOnLeader.KvFailure, failed.KvFailure);
        }

        // Every manager reads the same, linearizably and (once applied) from its own copy.
        foreach (var m in cluster.Managers)
        {
            var read = await RangeAsync(m, "a", "c");
            Assert.Equal(4, read.Revision);
            Assert.Equal(["a=3"], read.Result.Kvs.Select(kv => $"{kv.Key.ToStringUtf8()}={kv.Value.ToStringUtf8()}"));
        }

        var serializable = await RangeAsync(follower, "a", linearizable: false);
        Assert.Equal(4, serializable.Revision);
        var future = await follower.Client.KvRangeAsync(new KvRangeRequest { Range = new KvRange { Key = B("a"), Revision = 50 } });
        Assert.Equal((int)KvErrorCode.FutureRevision, future.Failure.Code);
    }

    [Fact]
    public async Task After_kill_9_of_the_leader_the_revision_continues_and_no_acknowledged_write_is_lost()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var follower = cluster.Managers.First(m => m != leader);

        var revisions = (await Task.WhenAll(Enumerable.Range(0, 30).Select(i => PutAsync(cluster.Managers[i % 3], $"k{i:D2}", $"v{i}"))))
            .Select(r => r.Kv.Revision).ToArray();
        Assert.Equal(Enumerable.Range(2, 30).Select(r => (long)r), revisions.Order());

        leader.Kill();
        await cluster.WaitForLeaderAsync(ElectionWait, except: leader);
        var after = await PutAsync(follower, "after", "failover");
        Assert.Equal(32, after.Kv.Revision);
        foreach (var m in cluster.Managers.Where(m => m != leader))
        {
            var read = await RangeAsync(m, "k", "l");
            Assert.Equal(32, read.Revision);
            Assert.Equal(Enumerable.Range(0, 30).Select(i => $"v{i}"), read.Result.Kvs.Select(kv => kv.Value.ToStringUtf8()));
        }
    }

    [Fact]
    public async Task Leases_expire_on_the_leader_everywhere_and_a_refresh_before_a_leader_change_is_honoured()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var followers = cluster.Managers.Where(m => m != leader).ToArray();

        Assert.Equal(2, (await WriteAsync(followers[0], new KvWrite { LeaseGrant = new KvLeaseGrant { Id = 0x100, TtlSeconds = 2 } })).Kv.LeaseGrant.TtlSeconds);
        Assert.Equal(6, (await WriteAsync(followers[0], new KvWrite { LeaseGrant = new KvLeaseGrant { Id = 0x200, TtlSeconds = 6 } })).Kv.LeaseGrant.TtlSeconds);
        await PutAsync(followers[0], "svc/short", "x", lease: 0x100);
        await PutAsync(followers[0], "svc/long", "y", lease: 0x200);
        Assert.Equal((int)KvErrorCode.LeaseNotFound, (await KeepAliveAsync(followers[1], 0x999)).Failure.Code);

        // The short lease expires on the leader: its key vanishes at one revision on every manager.
        var clock = Stopwatch.StartNew();
        foreach (var m in cluster.Managers)
        {
            while ((await RangeAsync(m, "svc/short", linearizable: false)).Result.Count > 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"svc/short still on {m.NodeId} after {clock.Elapsed}\n{cluster.Describe()}");
                await Task.Delay(100);
            }
        }

        Assert.Single((await RangeAsync(leader, "svc/", "svc0")).Result.Kvs, kv => kv.Key == B("svc/long"));

        // Keep-alives through a follower (passed to the leader) hold the long lease past its TTL ...
        var refreshed = Stopwatch.StartNew();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(6, (await KeepAliveAsync(followers[1], 0x200)).TtlSeconds);
            refreshed.Restart();
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        // ... and after the leader dies right after a refresh, the new leader does not expire it before refresh + TTL.
        Assert.Equal(6, (await KeepAliveAsync(followers[1], 0x200)).TtlSeconds);
        refreshed.Restart();
        leader.Kill();
        await cluster.WaitForLeaderAsync(ElectionWait, except: leader);
        while (refreshed.Elapsed < TimeSpan.FromSeconds(5.5))
        {
            foreach (var m in followers)
            {
                var seen = refreshed.Elapsed;
                var read = await RangeAsync(m, "svc/long", linearizable: false);
                Assert.True(read.Result.Count == 1 || refreshed.Elapsed >= TimeSpan.FromSeconds(6), $"svc/long gone from {m.NodeId} {seen} after its last refresh (TTL 6 s)");
            }

            await Task.Delay(200);
        }

        foreach (var m in followers)
        {
            while ((await RangeAsync(m, "svc/long", linearizable: false)).Result.Count > 0)
            {
                Assert.True(refreshed.Elapsed < TimeSpan.FromSeconds(20), $"svc/long still on {m.NodeId} {refreshed.Elapsed} after its last refresh\n{cluster.Describe()}");
                await Task.Delay(100);
            }
        }
    }
}
