using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Store.Raft;
using Grpc.Core;
using ClusterObject = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Where the services find this manager's Raft member, which exists only once the manager is part of a cluster
/// (and is replaced by a join or --force-new-cluster). The leadership signal follows whichever member is in it.
/// </summary>
internal sealed class RaftMemberSlot(LeadershipSignal leadership) : IAsyncDisposable
{
    public const string NotJoinedMessage = "this manager is not part of a cluster yet: run `ck cluster init` to create one, or `ck cluster join --token TOKEN MANAGER` to join one";

    private readonly Lock _gate = new();
    private RaftNode? _node;
    private IDisposable? _following;

    /// <summary>The Raft member, or null before init or join.</summary>
    public RaftNode? Current => Volatile.Read(ref _node);

    /// <summary>The Raft member; <see cref="InvalidOperationException"/> before init or join.</summary>
    public RaftNode Node => Current ?? throw new InvalidOperationException(NotJoinedMessage);

    /// <summary>The Raft member, or an Unavailable error that tells the operator how to join.</summary>
    public RaftNode RequireNode() => Current ?? throw new RpcException(new Status(StatusCode.Unavailable, NotJoinedMessage));

    /// <summary>The cluster object in this manager's copy of the store (none before init has committed).</summary>
    public ClusterObject? CurrentCluster() => Current?.Store.View(tx => StoredCluster.Find(tx));

    /// <summary>Whether the cluster removed this node (its certificate is no longer accepted).</summary>
    public bool IsRemoved(string nodeId) => CurrentCluster() is { } cluster && cluster.RemovedNodeIds.Contains(nodeId);

    /// <summary>Puts a started member in the slot; its leadership is the manager's from now on.</summary>
    public void Install(RaftNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        lock (_gate)
        {
            if (_node is not null)
            {
                throw new InvalidOperationException("this manager already runs a raft member; stop it before starting another");
            }

            Volatile.Write(ref _node, node);
            _following = leadership.Follow(node);
        }
    }

    /// <summary>Stops the member (a term it leads ends first) and empties the slot.</summary>
    public async ValueTask StopAsync()
    {
        RaftNode? node;
        lock (_gate)
        {
            node = _node;
            _following?.Dispose();
            _following = null;
            Volatile.Write(ref _node, null);
        }

        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => StopAsync();
}
