using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Manager.Store.Sealing;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Keeps this manager's copy of the data key in line with the cluster (ADR 0011): fetches the key
/// from another manager when it has none (after a join) or an old one; on the leader, seals a
/// cluster from before sealing under a new key; rewraps the key file when autolock's unlock key
/// changes. A locked manager waits for `ck cluster unlock`.
/// </summary>
internal sealed partial class DataKeyService(ManagerNodeService manager, ILogger<DataKeyService> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private string? _lastProblem;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery, manager.Time);
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
        if (manager.Tls is not { } tls || manager.CurrentCluster() is not { } cluster)
        {
            return;
        }

        var keys = manager.Keys;
        if (string.IsNullOrEmpty(cluster.DataKeyId))
        {
            await SealOlderClusterAsync(token);
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

        var fetched = await DataKeyHandOff.FetchAsync(tls, DataKeyHandOff.OtherManagers(manager), cluster.DataKeyId, unlockKey: null, token);
        keys.Save(fetched, null);
        LogFetched(logger, fetched.Id);
    }

    /// <summary>A cluster whose secrets are still in clear: the leader makes the data key and seals them.</summary>
    private async Task SealOlderClusterAsync(CancellationToken token)
    {
        var node = manager.RequireNode();
        if (!(await node.GetStatusAsync(token)).IsLeader)
        {
            return;
        }

        var keys = manager.Keys;
        var key = keys.Current ?? SealingKey.Create();
        if (keys.Current is null)
        {
            keys.Save(key, null);
        }

        await node.Store.UpdateAsync(
            tx =>
            {
                var stored = StoredCluster.Get(tx);
                if (string.IsNullOrEmpty(stored.DataKeyId))
                {
                    tx.Update(ClusterAuthority.FromStore(stored, keys).SealedWith(key));
                }
            },
            token);
        LogSealed(logger, key.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Received the cluster's data key {KeyId} from another manager")]
    private static partial void LogFetched(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "This manager's data key file is now {How}")]
    private static partial void LogRewrapped(ILogger logger, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's CA keys and join secrets were in clear in the raft log; they are now sealed with data key {KeyId}. Entries written before stay in the log until it is compacted: rotate the CA (`ck cluster ca --rotate`) and the join tokens to make them worthless")]
    private static partial void LogSealed(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's data key is not available here yet: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
