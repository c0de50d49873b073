namespace ClusterKit.Manager.Registry.Replication;

/// <summary>This manager's member id and the cluster's managers, as the host knows them (Raft membership).</summary>
public interface IManagerMembership
{
    /// <summary>This manager's member id: the key of its blob locations.</summary>
    string LocalMember { get; }

    /// <summary>Every manager now in the cluster, this one included.</summary>
    IReadOnlyList<string> Members { get; }
}
