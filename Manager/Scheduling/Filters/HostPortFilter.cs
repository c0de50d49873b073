namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>A host-mode port can be held by one task per node and protocol.</summary>
internal sealed class HostPortFilter : INodeFilter
{
    public static readonly HostPortFilter Instance = new();

    public string Name => "host-port";

    public bool IsStatic => false;

    public bool AppliesTo(BatchContext batch) => batch.Demand.PortKeys.Length > 0;

    public int Check(NodeInfo node, BatchContext batch)
    {
        var keys = batch.Demand.PortKeys;
        for (var i = 0; i < keys.Length; i++)
        {
            if (node.IsHostPortKeyInUse(keys[i]))
            {
                return i + 1;
            }
        }

        return 0;
    }

    public string Explain(int reason, BatchContext batch) => $"host port {batch.Demand.HostPorts[reason - 1]} in use";
}
