namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>The node's os/arch must be one the image supports.</summary>
internal sealed class PlatformFilter : INodeFilter
{
    public static readonly PlatformFilter Instance = new();

    public string Name => "platform";

    public bool IsStatic => true;

    public bool AppliesTo(BatchContext batch) => batch.Platforms.Length > 0;

    public int Check(NodeInfo node, BatchContext batch)
    {
        var platform = node.Description.Platform;
        foreach (var p in batch.Platforms)
        {
            if (p.Accepts(platform))
            {
                return 0;
            }
        }

        return 1;
    }

    public string Explain(int reason, BatchContext batch) =>
        "platform not " + string.Join(" or ", batch.Platforms.Select(p => p.ToString()));
}
