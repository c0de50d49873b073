using DotNext.Net.Cluster.Consensus.Raft;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>What every manager publishes in its Raft member metadata: its store API address and its node id.</summary>
public static class RaftMemberMetadata
{
    public const string ApiAddressKey = LeaderForwarder.ApiAddressKey;

    public const string NodeIdKey = LeaderForwarder.NodeIdKey;

    /// <summary>The member's API address; <see cref="LeaderUnavailableException"/> when it publishes none.</summary>
    public static Task<string> ApiAddressAsync(RaftClusterMember member, CancellationToken token) => LeaderForwarder.ApiAddressAsync(member, token);
}
