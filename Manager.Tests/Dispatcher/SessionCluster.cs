using System.Diagnostics;
using System.Globalization;
using System.Net;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Dispatcher;

/// <summary>
/// Three ck-manager processes with a short heartbeat period, each with its own local socket
/// (the default one is shared by every manager on the host), and reads of the nodes table.
/// </summary>
public sealed class SessionCluster : IAsyncDisposable
{
    /// <summary>
    /// Long enough that a manager or the test stalled by a loaded 2-core machine (two CPU-burning loops beside the three
    /// managers) does not miss three periods; the exact timing of "down" is HeartbeatTrackerTests' job, on a fake clock.
    /// </summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly string _root;

    private SessionCluster(string root, IReadOnlyList<ManagerProcess> managers)
    {
        _root = root;
        Managers = managers;
    }

    public IReadOnlyList<ManagerProcess> Managers { get; }

    /// <param name="electionTimeoutMs">Wider than the default where no test kills a leader: fewer needless elections on a loaded machine.</param>
    public static SessionCluster Create(string electionTimeoutMs = "150-300", int count = 3)
    {
        var root = Directory.CreateTempSubdirectory("ckt-session-").FullName;
        var ports = LoopbackPorts.Free(count * 2);
        var members = Enumerable.Range(0, count).Select(i => new IPEndPoint(IPAddress.Loopback, ports[i])).ToArray();
        var managers = Enumerable.Range(0, count).Select(i => new ManagerProcess(
            ManagerCluster.ManagerDll(),
            $"m{i + 1}",
            Path.Combine(root, $"m{i + 1}"),
            members[i],
            new IPEndPoint(IPAddress.Loopback, ports[count + i]),
            members,
            [
                "--socket", Path.Combine(root, $"m{i + 1}.sock"),
                "--heartbeat-period-ms", ((int)Period.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "--election-timeout-ms", electionTimeoutMs,
            ])).ToArray();
        return new SessionCluster(root, managers);
    }

    public static string NewNodeId() => "ckt-node-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12];

    public void StartAll()
    {
        foreach (var m in Managers)
        {
            m.Start();
        }
    }

    /// <summary>Waits until every running manager names the same leader and that leader says so itself.</summary>
    public async Task<ManagerProcess> WaitForLeaderAsync(TimeSpan timeout, ManagerProcess? except = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var running = Managers.Where(m => m.IsRunning && m != except).ToArray();
            var statuses = await Task.WhenAll(running.Select(m => m.TryStatusAsync(TimeSpan.FromSeconds(5))));
            var leader = statuses.FirstOrDefault(s => s is { IsLeader: true });
            if (leader is not null && statuses.All(s => s is not null && s.LeaderNodeId == leader.NodeId))
            {
                return Managers.Single(m => m.NodeId == leader.NodeId);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no leader agreed on within {timeout.TotalSeconds} s:\n{await DescribeAsync()}");
    }

    public async Task<string> DescribeAsync()
    {
        var parts = new List<string>();
        foreach (var m in Managers)
        {
            var s = await m.TryStatusAsync(TimeSpan.FromSeconds(1));
            var status = s is null ? "no status" : $"leader={s.LeaderNodeId} self-leader={s.IsLeader} term={s.Term} version={s.StoreVersion}";
            parts.Add($"--- {m.NodeId} api={m.Api} running={m.IsRunning} exit={m.ExitCode} {status}\n{m.RecentOutput(20)}");
        }

        return string.Join("\n", parts);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Managers)
        {
            await m.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The node as the manager's own copy has it (no barrier: polled often).</summary>
    public static async Task<Node?> GetNodeAsync(ManagerProcess manager, string nodeId)
    {
        var response = await manager.Client.GetAsync(new GetRequest { Table = Table.Nodes, Id = nodeId, AllowStale = true }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(5));
        return response.Object?.Node;
    }

    /// <summary>Polls until the node is in the state; returns it and when it was first seen so.</summary>
    public async Task<(Node Node, long SeenAt)> WaitForStateAsync(ManagerProcess manager, string nodeId, NodeState state, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Node? node = null;
        while (Stopwatch.GetTimestamp() < until)
        {
            try
            {
                node = await GetNodeAsync(manager, nodeId);
            }
            catch (Grpc.Core.RpcException)
            {
                node = null;
            }

            if (node?.Status?.State == state)
            {
                return (node, Stopwatch.GetTimestamp());
            }

            await Task.Delay(20);
        }

        Assert.Fail($"node {nodeId} did not become {state} on {manager.NodeId} within {timeout.TotalSeconds} s (last: {node})\n{await DescribeAsync()}");
        throw new InvalidOperationException();
    }
}

/// <summary>One <see cref="SessionCluster"/> shared by the tests of a class, started once.</summary>
public sealed class SessionClusterFixture : IAsyncLifetime
{
    private SessionCluster? _cluster;

    public SessionCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async Task InitializeAsync()
    {
        _cluster = SessionCluster.Create(electionTimeoutMs: "1000-2000");
        _cluster.StartAll();
        await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>The leader now and another manager (leadership may have moved since the last test).</summary>
    public async Task<(ManagerProcess Leader, ManagerProcess Follower)> RolesAsync()
    {
        var leader = await Cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(90));
        return (leader, Cluster.Managers.First(m => m != leader));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
