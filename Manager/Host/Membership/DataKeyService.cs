using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Keeps this manager's copy of the data key in line with the cluster (ADR 0011): fetches the key
/// from another manager when it has none (after a join) or an old one; rewraps the key file when
/// autolock's unlock key changes. A locked manager waits for `ck cluster unlock`. The leader seals
/// a cluster from before sealing (<see cref="OlderClusterSealing"/>).
/// </summary>
internal sealed partial class DataKeyService(RaftMemberSlot member, ManagerTlsSlot tlsSlot, DataKeyring keys, DataKeyHandOff handOff, TimeProvider time, ILogger<DataKeyService> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private string? _lastProblem;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
                _lastProblem = null;
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or StoreConflictException or LeaderUnavailableException && !stoppingToken.IsCancellationRequested)
            {
                var problem = e is RpcException r ? r.Status.Detail : e.Message;
                if (problem != _lastProblem)
                {
                    LogProblem(logger, problem);
                    _lastProblem = problem;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CheckAsync(CancellationToken token)
    {
        if (tlsSlot.Current is null || member.CurrentCluster() is not { } cluster)
        {
            return;
        }

        if (string.IsNullOrEmpty(cluster.DataKeyId))
        {
            // Secrets still in clear: the leader seals them (OlderClusterSealing), then this manager fetches the key.
            return;
        }

        if (keys.Current is { } current && current.Id == cluster.DataKeyId)
        {
            using var unlockKey = ClusterAuthority.FromStore(cluster, keys).UnlockKey();
            if (keys.FileUnlockKeyId != unlockKey?.Id)
            {
                keys.Save(current, unlockKey);
                LogRewrapped(logger, unlockKey is null ? "in clear (autolock is off)" : "wrapped by unlock key " + unlockKey.Id);
            }

            return;
        }

        if (keys.IsLocked || cluster.Autolock)
        {
            // Only the operator's unlock key opens the file or proves the right to fetch the key.
            return;
        }

        var fetched = await handOff.FetchAsync(cluster.DataKeyId, unlockKey: null, token);
        keys.Save(fetched, null);
        LogFetched(logger, fetched.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Received the cluster's data key {KeyId} from another manager")]
    private static partial void LogFetched(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "This manager's data key file is now {How}")]
    private static partial void LogRewrapped(ILogger logger, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's data key is not available here yet: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
