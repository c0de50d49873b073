namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>Only ready nodes that the operator left active take new tasks.</summary>
internal sealed class ReadyFilter : INodeFilter
{
    public static readonly ReadyFilter Instance = new();

    private const int Down = 1;
    private const int Disconnected = 2;
    private const int Unknown = 3;
    private const int Paused = 4;
    private const int Drained = 5;

    public string Name => "ready";

    public bool IsStatic => true;

    public bool AppliesTo(BatchContext batch) => true;

    public int Check(NodeInfo node, BatchContext batch)
    {
        var d = node.Description;
        switch (d.State)
        {
            case NodeState.Ready: break;
            case NodeState.Down: return Down;
            case NodeState.Disconnected: return Disconnected;
            default: return Unknown;
        }

        return d.Availability switch
        {
            NodeAvailability.Active => 0,
            NodeAvailability.Pause => Paused,
            _ => Drained,
        };
    }

    public string Explain(int reason, BatchContext batch) => reason switch
    {
        Down => "down",
        Disconnected => "disconnected",
        Unknown => "state unknown",
        Paused => "paused",
        _ => "drained",
    };
}
