using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Autolock for the operator (ADR 0011): `ck cluster unlock` opens this manager's key file with the
/// unlock key (or, when the file is missing or wrapped by an older unlock key, fetches the data key
/// from another manager with proof of the current one); `ck cluster unlock-key` shows or rotates it.
/// </summary>
internal sealed partial class ClusterLock(RaftMemberSlot member, DataKeyring keys, DataKeyHandOff handOff, ILogger<ClusterLock> logger)
{
    public async Task<UnlockResponse> UnlockAsync(UnlockRequest request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(request);
        SealingKey unlockKey;
        try
        {
            unlockKey = UnlockKey.Parse(request.UnlockKey);
        }
        catch (FormatException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }

        using (unlockKey)
        {
            if (keys.Current is { } held)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this manager is not locked (it holds data key {held.Id})"));
            }

            if (keys.IsLocked)
            {
                try
                {
                    var opened = keys.Unlock(unlockKey);
                    LogUnlocked(logger, opened.Id, "its key file");
                    return new UnlockResponse { KeyId = opened.Id };
                }
                catch (SealedValueException) when (member.CurrentCluster() is { Autolock: true })
                {
                    // Wrapped by an unlock key rotated since: the current one still proves the right to fetch.
                }
                catch (SealedValueException)
                {
                    throw WrongKey();
                }
            }

            var cluster = member.CurrentCluster() ?? throw new RpcException(new Status(StatusCode.Unavailable, "this manager has not received the cluster object yet; try again in a moment"));
            SealingKey fetched;
            try
            {
                fetched = await handOff.FetchAsync(cluster.DataKeyId, unlockKey, token);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                throw WrongKey();
            }

            keys.Save(fetched, unlockKey);
            LogUnlocked(logger, fetched.Id, "another manager");
            return new UnlockResponse { KeyId = fetched.Id };
        }
    }

    public async Task<GetUnlockKeyResponse> GetAsync(GetUnlockKeyRequest request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(request);
        var raft = member.RequireNode();
        var cluster = await raft.Store.ReadAsync(tx => StoredCluster.Get(tx), token);
        if (!cluster.Autolock)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "autolock is off for this cluster, so there is no unlock key; allowed: a cluster created with `ck cluster init --autolock`"));
        }

        if (request.Rotate)
        {
            using var next = SealingKey.Create();
            try
            {
                await raft.Store.UpdateAsync(tx => tx.Update(ClusterAuthority.FromStore(StoredCluster.Get(tx), keys).WithUnlockKey(next)), token);
            }
            catch (StoreConflictException e)
            {
                throw new RpcException(new Status(StatusCode.Aborted, e.Message + "; run the command again"));
            }

            // This manager's file at once; the others rewrap theirs when they see the change.
            keys.Save(keys.Current!, next);
            LogRotated(logger, next.Id);
            return new GetUnlockKeyResponse { UnlockKey = UnlockKey.Format(next) };
        }

        using var current = ClusterAuthority.FromStore(cluster, keys).UnlockKey()!;
        return new GetUnlockKeyResponse { UnlockKey = UnlockKey.Format(current) };
    }

    private static RpcException WrongKey() => new(new Status(StatusCode.PermissionDenied, "the unlock key is wrong: it opens neither this manager's key file nor is it the cluster's current unlock key; allowed: the key from `ck cluster init --autolock` or the latest `ck cluster unlock-key --rotate`"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Unlocked: data key {KeyId} from {Source}")]
    private static partial void LogUnlocked(ILogger logger, string keyId, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The unlock key was rotated (now {KeyId}); earlier unlock keys open nothing once each manager has rewrapped its key file")]
    private static partial void LogRotated(ILogger logger, string keyId);
}
