using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>The registry's view of the managers: this one by its certificate's node id, the others from the store's nodes.</summary>
internal sealed class StoreManagerMembership(RaftMemberSlot member, ManagerTlsSlot tlsSlot) : IManagerMembership
{
    public string LocalMember => tlsSlot.Current?.Identity.NodeId ?? throw new InvalidOperationException(RaftMemberSlot.NotJoinedMessage);

    public IReadOnlyList<string> Members => Managers().Select(n => n.Id).ToArray();

    /// <summary>The API address of a manager, or null when the store knows none.</summary>
    public string? ApiAddressOf(string nodeId) => Managers().FirstOrDefault(n => n.Id == nodeId)?.ApiAddress is { Length: > 0 } api ? api : null;

    private IReadOnlyList<Node> Managers() =>
        member.Current?.Store.View(tx => tx.Find<Node>(n => n.Role == NodeRole.Manager)) ?? [];
}
