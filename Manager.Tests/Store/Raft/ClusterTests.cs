using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Store.Raft;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RaftClusterCollection
{
    public const string Name = "raft cluster";
}

/// <summary>Three real ck-manager processes on loopback ports chosen per test.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class ClusterTests
{
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(20);

    internal static Transaction PutTx(string key, string value) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key, Value = ByteString.CopyFromUtf8(value) } } } },
    };

    internal static async Task<ulong> PutAsync(ManagerProcess manager, string key, string value, TimeSpan? timeout = null)
    {
        var response = await manager.Client.ProposeAsync(new ProposeRequest { Transaction = PutTx(key, value) }, deadline: DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15)));
        return response.Version;
    }

    internal static async Task<string?> GetAsync(ManagerProcess manager, string key, bool allowStale = false)
    {
        var response = await manager.Client.GetAsync(new GetRequest { Table = Table.Kv, Id = key, AllowStale = allowStale }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(15));
        return response.Object?.Kv?.Value.ToStringUtf8();
    }

    /// <summary>Waits until a manager's own copy (no barrier) has reached a store version.</summary>
    internal static async Task WaitForVersionAsync(ManagerProcess manager, ulong version, TimeSpan timeout, ManagerCluster cluster)
    {
        var until = DateTime.UtcNow + timeout;
        StatusResponse? status = null;
        while (DateTime.UtcNow < until)
        {
            status = await manager.TryStatusAsync(TimeSpan.FromSeconds(1));
            if (status is not null && status.StoreVersion >= version)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{manager.NodeId} reached store version {status?.StoreVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, not {version}, within {timeout.TotalSeconds} s\n{await cluster.DescribeAsync()}");
    }

    /// <summary>The call must fail as "no leader" (or run out of time), never with another error or a success.</summary>
    private static async Task AssertUnavailableAsync(Func<Task> call, ManagerCluster cluster)
    {
        try
        {
            await call();
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            return;
        }
        catch (RpcException e)
        {
            Assert.Fail($"expected Unavailable or DeadlineExceeded, got {e.StatusCode}: {e.Status.Detail}\n{cluster.Describe()}");
        }

        Assert.Fail($"a minority answered a call that needs a majority\n{cluster.Describe()}");
    }

    [Fact]
    public async Task Three_managers_elect_one_leader_that_all_agree_on()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        foreach (var m in cluster.Managers)
        {
            var status = await m.TryStatusAsync(TimeSpan.FromSeconds(2));
            Assert.NotNull(status);
            Assert.Equal(leader.NodeId, status.LeaderNodeId);
            Assert.Equal(leader.Api.ToString(), status.LeaderApiAddress);
            Assert.Equal(3, status.Members);
            Assert.Equal(m == leader, status.IsLeader);
        }
    }

    [Fact]
    public async Task Writes_sent_to_followers_are_forwarded_and_read_back_linearizably_everywhere()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var followers = cluster.Managers.Where(m => m != leader).ToArray();

        var versions = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => PutAsync(followers[i % 2], $"k{i}", $"v{i}")));
        Assert.Equal(40, versions.Distinct().Count());

        // A linearizable read on any manager sees every write acknowledged before it.
        foreach (var m in cluster.Managers)
        {
            Assert.Equal("v39", await GetAsync(m, "k39"));
            Assert.Equal("v0", await GetAsync(m, "k0"));
        }

        // A conflict is reported as such through the forwarding hop, not as "not leader".
        var create = new Transaction { Mutations = { new Mutation { Kind = Mutation.Types.Kind.Create, Object = new StoreObject { Kv = new KvPair { Key = "k1" } } } } };
        var e = await Assert.ThrowsAsync<RpcException>(async () => await followers[0].Client.ProposeAsync(new ProposeRequest { Transaction = create }));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.StartsWith("create kv k1: already exists", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_committed_write_survives_kill_9_of_the_leader()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var follower = cluster.Managers.First(m => m != leader);
        await PutAsync(follower, "before", "committed");

        leader.Kill();
        var next = await cluster.WaitForLeaderAsync(ElectionWait, except: leader);
        Assert.NotEqual(leader.NodeId, next.NodeId);
        foreach (var m in cluster.Managers.Where(m => m != leader))
        {
            Assert.Equal("committed", await GetAsync(m, "before"));
        }

        var version = await PutAsync(follower, "after", "failover");

        // The old leader comes back as a follower and catches up from the log.
        leader.Start();
        await WaitForVersionAsync(leader, version, TimeSpan.FromSeconds(30), cluster);
        Assert.Equal("committed", await GetAsync(leader, "before", allowStale: true));
        Assert.Equal("failover", await GetAsync(leader, "after", allowStale: true));
    }

    [Fact]
    public async Task All_managers_restarted_keep_the_state_from_snapshots_and_the_log_tail()
    {
        // Snapshots every 5 entries, so the restart needs both a snapshot and a log tail.
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3, ["--snapshot-every", "5"]);
        cluster.StartAll();
        await cluster.WaitForLeaderAsync(ElectionWait);
        ulong last = 0;
        for (var i = 0; i < 23; i++)
        {
            last = await PutAsync(cluster.Managers[i % 3], $"k{i}", $"v{i}");
        }

        foreach (var m in cluster.Managers)
        {
            m.Kill();
        }

        foreach (var m in cluster.Managers)
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(m.DataDirectory, "snapshots")));
        }

        cluster.StartAll();
        await cluster.WaitForLeaderAsync(ElectionWait);
        foreach (var m in cluster.Managers)
        {
            await WaitForVersionAsync(m, last, TimeSpan.FromSeconds(30), cluster);
            for (var i = 0; i < 23; i++)
            {
                Assert.Equal($"v{i}", await GetAsync(m, $"k{i}", allowStale: true));
            }
        }

        Assert.Equal(last + 1, await PutAsync(cluster.Managers[0], "k-after", "restart"));
    }

    [Fact]
    public async Task A_minority_cannot_commit_and_the_cluster_commits_again_when_a_majority_returns()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var committed = await PutAsync(leader, "k", "majority");
        var survivor = cluster.Managers.First(m => m != leader);

        // A follower learns the commit index with the next append; alone, it could not learn it.
        await WaitForVersionAsync(survivor, committed, TimeSpan.FromSeconds(10), cluster);
        var other = cluster.Managers.First(m => m != leader && m != survivor);
        leader.Kill();
        other.Kill();

        await AssertUnavailableAsync(() => PutAsync(survivor, "k", "minority", TimeSpan.FromSeconds(4)), cluster);
        Assert.Equal("majority", await GetAsync(survivor, "k", allowStale: true));

        // Nor can it serve a linearizable read.
        await AssertUnavailableAsync(
            async () => await survivor.Client.GetAsync(new GetRequest { Table = Table.Kv, Id = "k" }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(4)),
            cluster);

        other.Start();
        await cluster.WaitForLeaderAsync(ElectionWait, except: leader);
        await PutAsync(survivor, "k", "healed");
        Assert.Equal("healed", await GetAsync(other, "k"));
    }
}
