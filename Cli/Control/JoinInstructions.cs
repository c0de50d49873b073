using ClusterKit.Shared.Parsing;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Cli.Control;

/// <summary>The `ck cluster join` commands printed by init and join-token, worded as Swarm prints them (pure).</summary>
internal static class JoinInstructions
{
    /// <summary>Parses the join-token argument: worker or manager.</summary>
    public static StoreRole ParseRole(string? text) => text switch
    {
        "worker" => StoreRole.Worker,
        "manager" => StoreRole.Manager,
        _ => throw new SpecFormatException($"join-token role '{text}' is unknown; allowed: worker, manager"),
    };

    public static string RoleName(StoreRole role) => role == StoreRole.Manager ? "manager" : "worker";

    /// <summary>The command line that joins a node with <paramref name="token"/> through <paramref name="address"/>.</summary>
    public static string Command(string token, string address) => $"ck cluster join --token {token} {address}";

    /// <summary>"To add a worker to this cluster, run the following command:" and the indented command.</summary>
    public static string ForRole(StoreRole role, string token, string address) =>
        $"To add a {RoleName(role)} to this cluster, run the following command:\n\n    {Command(token, address)}\n";

    /// <summary>What `ck cluster init` prints: the ids, then how to add workers and managers.</summary>
    public static string AfterInit(string clusterId, string nodeId, string workerToken, string managerToken, string address) =>
        $"Cluster initialized: cluster id {clusterId}; this node ({nodeId}) is now a manager.\n\n" +
        ForRole(StoreRole.Worker, workerToken, address) + "\n" +
        ForRole(StoreRole.Manager, managerToken, address);
}
