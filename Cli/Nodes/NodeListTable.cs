using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Nodes;

/// <summary>What `ck node ls` prints: the quorum warning for stderr, the table for stdout, and the exit code (pure).</summary>
internal sealed record NodeListOutput(string? Warning, string Table, int ExitCode)
{
    /// <param name="answeringNodeId">The node of the manager that answered, marked with `*` (null when unknown).</param>
    public static NodeListOutput From(ListNodesResponse response, string? answeringNodeId)
    {
        ArgumentNullException.ThrowIfNull(response);
        var table = new TextTable("ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION");
        foreach (var details in response.Nodes)
        {
            var node = details.Node ?? new Node();
            table.Add(
                node.Id == answeringNodeId ? node.Id + " *" : node.Id,
                Or(node.Description?.Hostname, "-"),
                NodeNames.State(node.Status?.State ?? NodeState.Unspecified),
                NodeNames.Availability(node.Spec?.Availability ?? NodeAvailability.Unspecified),
                NodeNames.ManagerStatus(details),
                Or(node.Description?.EngineVersion, "-"));
        }

        if (response.HasQuorum)
        {
            return new NodeListOutput(null, table.ToString(), 0);
        }

        // Still print the last view (it helps decide whom to recover from), but say plainly it may be stale, and fail.
        var warning = response.Warning.Length > 0
            ? "WARNING: " + response.Warning
            : "WARNING: the answering manager cannot reach a majority of the managers: the cluster has lost quorum and this list is its last view";
        return new NodeListOutput(warning, table.ToString(), 1);
    }

    private static string Or(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
}
