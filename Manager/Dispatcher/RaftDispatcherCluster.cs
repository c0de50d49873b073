using System.Collections.Concurrent;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using DotNext.Net.Cluster.Consensus.Raft;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// The dispatcher's view of a <see cref="RaftNode"/>: the leader's and the managers' API
/// addresses from the Raft members' metadata (each member publishes its own).
/// </summary>
public sealed class RaftDispatcherCluster(Func<RaftNode> node) : IDispatcherCluster
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromMilliseconds(500);

    // Once learned, a member's address is kept: a dead manager cannot be asked again,
    // but workers should still know it for when it returns.
    private readonly ConcurrentDictionary<string, ManagerAddress> _known = new(StringComparer.Ordinal);

    private RaftNode Node
    {
        get
        {
            try
            {
                return node();
            }
            catch (InvalidOperationException e)
            {
                throw new LeaderUnavailableException(e.Message, e);
            }
        }
    }

    public async ValueTask<string?> LeaderApiAddressAsync(CancellationToken token)
    {
        if (Node.Cluster.Leader is not RaftClusterMember leader)
        {
            return null;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(MetadataTimeout);
            return await RaftMemberMetadata.ApiAddressAsync(leader, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            return null;
        }
    }

    public async ValueTask<IReadOnlyList<ManagerAddress>> ManagersAsync(CancellationToken token)
    {
        var members = Node.Cluster.Members;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            var key = member.EndPoint?.ToString() ?? member.Id.ToString();
            present.Add(key);
            if (_known.ContainsKey(key))
            {
                continue;
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(MetadataTimeout);
                var metadata = await member.GetMetadataAsync(refresh: false, timeout.Token).ConfigureAwait(false);
                if (metadata.TryGetValue(RaftMemberMetadata.ApiAddressKey, out var api) && !string.IsNullOrEmpty(api))
                {
                    _known[key] = new ManagerAddress { ApiAddress = api, NodeId = metadata.GetValueOrDefault(RaftMemberMetadata.NodeIdKey) ?? string.Empty };
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // An unreachable member: listed once it answers.
            }
        }

        foreach (var gone in _known.Keys.Where(k => !present.Contains(k)))
        {
            _known.TryRemove(gone, out _);
        }

        var list = _known.Values.ToList();
        list.Sort(static (a, b) => string.CompareOrdinal(a.NodeId, b.NodeId) is var byId and not 0 ? byId : string.CompareOrdinal(a.ApiAddress, b.ApiAddress));
        return list;
    }
}
