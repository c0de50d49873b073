namespace ClusterKit.Manager.Scheduling;

/// <summary>What the operator allows on a node (swarm's node availability).</summary>
public enum NodeAvailability
{
    /// <summary>New tasks may be placed.</summary>
    Active,

    /// <summary>Running tasks stay, nothing new is placed.</summary>
    Pause,

    /// <summary>Nothing new is placed and running tasks should move away.</summary>
    Drain,
}

/// <summary>What the managers last heard from a node.</summary>
public enum NodeState
{
    Unknown,
    Down,
    Ready,
    Disconnected,
}

public enum NodeRole
{
    Worker,
    Manager,
}

public enum PortProtocol
{
    Tcp,
    Udp,
    Sctp,
}

/// <summary>How a service's replicas are laid out.</summary>
public enum ServiceMode
{
    /// <summary>A given number of tasks, placed by the scorers.</summary>
    Replicated,

    /// <summary>Exactly one task on every eligible node.</summary>
    Global,
}

/// <summary>The fit scorer that orders nodes.</summary>
public enum PlacementStrategy
{
    /// <summary>Prefer the node the task fills most (Nomad's BestFit v3).</summary>
    BinPack,

    /// <summary>Prefer the node the task fills least.</summary>
    Spread,
}
