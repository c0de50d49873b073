using ClusterKit.Manager.Host.Membership;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Control;

/// <summary>Feeds <see cref="NodeStateClock"/> from this manager's copy of the store once a second (cheap: an in-memory view).</summary>
internal sealed partial class NodeStateClockService(RaftMemberSlot member, NodeStateClock clock, TimeProvider time, ILogger<NodeStateClockService> logger) : BackgroundService
{
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LookEvery, time);
        do
        {
            try
            {
                // Until init or join there is no store to look at.
                if (member.CurrentCluster() is not null)
                {
                    var raft = member.Node;
                    var members = raft.Members;
                    clock.Observe(raft.Store.View(tx => tx.List<Node>()).Select(n => (n.Id, NodeStates.Effective(n, members))), time.GetUtcNow());
                }
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // The Raft node is being replaced (a join or --force-new-cluster finishing): look again next tick;
                // an exception leaving a background service would stop the whole manager.
                LogLookFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Looking at the nodes' states failed, will look again: {Error}")]
    private static partial void LogLookFailed(ILogger logger, string error);
}
