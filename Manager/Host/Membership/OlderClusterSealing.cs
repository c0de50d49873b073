using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Manager.Store.Sealing;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// A leader service (ADR 0011, ADR 0015): a cluster from before sealing keeps its CA keys and join secrets in
/// clear until its leader makes the data key and seals them; the other managers then fetch the key
/// (<see cref="DataKeyService"/>). Looks every two seconds in each term it leads until the cluster is sealed.
/// </summary>
internal sealed partial class OlderClusterSealing(
    RaftMemberSlot member,
    ManagerTlsSlot tlsSlot,
    DataKeyring keys,
    TimeProvider time,
    ILogger<OlderClusterSealing> logger) : ILeaderService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);

    public async Task LeadAsync(LeaderTerm term, CancellationToken stepDown)
    {
        string? lastProblem = null;
        while (!stepDown.IsCancellationRequested)
        {
            try
            {
                if (await SealIfClearAsync(stepDown))
                {
                    return;
                }

                lastProblem = null;
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or StoreConflictException or LeaderUnavailableException && !stepDown.IsCancellationRequested)
            {
                var problem = e is RpcException r ? r.Status.Detail : e.Message;
                if (problem != lastProblem)
                {
                    LogProblem(logger, problem);
                    lastProblem = problem;
                }
            }

            await Task.Delay(CheckEvery, time, stepDown);
        }
    }

    /// <summary>True once the cluster is sealed (nothing more to do this term); false while there is no cluster yet.</summary>
    private async Task<bool> SealIfClearAsync(CancellationToken token)
    {
        // The fixed-membership mode has no CA, so nothing to seal; before init there is no cluster object.
        if (tlsSlot.Current is null || member.CurrentCluster() is not { } cluster)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(cluster.DataKeyId))
        {
            return true;
        }

        var key = keys.Current ?? SealingKey.Create();
        if (keys.Current is null)
        {
            keys.Save(key, null);
        }

        await member.RequireNode().Store.UpdateAsync(
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
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's CA keys and join secrets were in clear in the raft log; they are now sealed with data key {KeyId}. Entries written before stay in the log until it is compacted: rotate the CA (`ck cluster ca --rotate`) and the join tokens to make them worthless")]
    private static partial void LogSealed(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing the cluster's secrets failed, will retry: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
