using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>Builds the message that sends a worker to the leader.</summary>
internal sealed class SessionRedirects(IDispatcherCluster cluster, SessionRegistry registry)
{
    public async Task<ManagerMessage> BuildAsync(string reason, CancellationToken token)
    {
        var leader = await cluster.LeaderApiAddressAsync(token).ConfigureAwait(false);
        var managers = registry.Managers.Count > 0 ? registry.Managers : await cluster.ManagersAsync(token).ConfigureAwait(false);
        return new ManagerMessage
        {
            Redirect = new SessionRedirect
            {
                LeaderApiAddress = leader ?? string.Empty,
                Reason = leader is null ? reason + "; no leader is elected just now" : reason,
                Managers = { managers },
            },
        };
    }
}
