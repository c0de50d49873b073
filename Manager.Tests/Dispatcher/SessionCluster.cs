using System.Diagnostics;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Task = System.Threading.Tasks.Task;

namespace ClusterKit.Manager.Tests.Dispatcher;

/// <summary>Three ck-manager processes with a short heartbeat period, and reads of the nodes table.</summary>
public sealed class SessionCluster : IAsyncLifetime
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    private ManagerCluster? _cluster;

    public ManagerCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public ManagerProcess Leader { get; private set; } = null!;

    public static ManagerCluster Create() => ManagerCluster.Create(
        ManagerCluster.ManagerDll(),
        3,
        ["--heartbeat-period-ms", ((int)Period.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Information"]);

    public static string NewNodeId() => "ckt-node-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12];

    public async Task InitializeAsync()
    {
        _cluster = Create();
        _cluster.StartAll();
        Leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>The node as the manager's own copy has it (no barrier: polled often).</summary>
    public static async Task<Node?> GetNodeAsync(ManagerProcess manager, string nodeId)
    {
        var response = await manager.Client.GetAsync(new GetRequest { Table = Table.Nodes, Id = nodeId, AllowStale = true }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(5));
        return response.Object?.Node;
    }

    /// <summary>Polls until the node is in the state; returns it and when it was first seen so.</summary>
    public static async Task<(Node Node, long SeenAt)> WaitForStateAsync(ManagerProcess manager, string nodeId, NodeState state, TimeSpan timeout, ManagerCluster cluster)
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

        Assert.Fail($"node {nodeId} did not become {state} on {manager.NodeId} within {timeout.TotalSeconds} s (last: {node})\n{await cluster.DescribeAsync()}");
        throw new InvalidOperationException();
    }
}
