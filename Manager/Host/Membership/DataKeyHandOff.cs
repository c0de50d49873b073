using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Hands the cluster's data key from a manager that holds it to one that joined or lost it, only
/// over mutual TLS (the interceptor admits manager certificates only), only to a manager the store
/// lists and has not removed, and with autolock only to a caller that proves it holds the unlock key.
/// </summary>
internal sealed class DataKeyHandOff(RaftMemberSlot member, ManagerTlsSlot tlsSlot, DataKeyring keys, TimeProvider time)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The server side: the key for <paramref name="caller"/>, or a refusal saying why.</summary>
    public GetDataKeyResponse Serve(NodeIdentity? caller, GetDataKeyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (caller is null || caller.Role != Shared.Identity.NodeRole.Manager)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "the data key goes to managers only (a manager certificate)"));
        }

        var cluster = member.CurrentCluster() ?? throw new RpcException(new Status(StatusCode.Unavailable, "the cluster object is not replicated to this manager yet"));
        var node = member.RequireNode().Store.View(tx => tx.Get<Node>(caller.NodeId));
        if (node is null || node.Role != StoreRole.Manager || cluster.RemovedNodeIds.Contains(caller.NodeId))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"node {caller.NodeId} is not a manager of this cluster; the data key goes to its managers only"));
        }

        var key = keys.Current;
        if (key is null || key.Id != cluster.DataKeyId)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"manager {tlsSlot.Current?.Identity.NodeId ?? "?"}: {keys.UnavailableMessage(cluster.Autolock)}"));
        }

        if (cluster.Autolock)
        {
            using var unlockKey = ClusterAuthority.FromStore(cluster, keys).UnlockKey()!;
            if (!UnlockKey.IsProof(unlockKey, caller.NodeId, request.UnlockProof.Span))
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "the cluster is autolocked and the unlock key given is not its current one; allowed: the key from `ck cluster unlock-key` on an unlocked manager"));
            }
        }

        return new GetDataKeyResponse { KeyId = key.Id, Key = ByteString.CopyFrom(key.ExportBytes()) };
    }

    /// <summary>
    /// The client side: asks the other managers in turn for the key <paramref name="keyId"/>;
    /// one error line listing each manager's refusal if none gives it.
    /// </summary>
    public async Task<SealingKey> FetchAsync(string keyId, SealingKey? unlockKey, CancellationToken token)
    {
        var tls = tlsSlot.Current ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, RaftMemberSlot.NotJoinedMessage));
        var apiAddresses = OtherManagers();
        var request = new GetDataKeyRequest();
        if (unlockKey is not null)
        {
            request.UnlockProof = ByteString.CopyFrom(UnlockKey.Proof(unlockKey, tls.Identity.NodeId));
        }

        var refusals = new List<string>();
        foreach (var address in apiAddresses)
        {
            try
            {
                using var channel = tls.ManagerChannel(address);
                var response = await new MembershipService.MembershipServiceClient(channel).GetDataKeyAsync(request, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: token);
                var key = SealingKey.FromBytes(response.Key.Span);
                if (key.Id == keyId)
                {
                    return key;
                }

                key.Dispose();
                refusals.Add($"{address}: it holds key {response.KeyId}, the cluster uses {keyId}");
            }
            catch (RpcException e) when (!token.IsCancellationRequested)
            {
                refusals.Add($"{address}: {e.Status.Detail}");
            }
            catch (InvalidDataException e)
            {
                refusals.Add($"{address}: {e.Message}");
            }
        }

        throw new RpcException(new Status(
            refusals.Any(r => r.Contains("unlock key", StringComparison.Ordinal)) ? StatusCode.PermissionDenied : StatusCode.Unavailable,
            refusals.Count == 0
                ? "no other manager is known to ask for the cluster's data key"
                : "no manager gave the cluster's data key: " + string.Join("; ", refusals)));
    }

    /// <summary>
    /// A joined manager holds the cluster's data key before its join returns, so that CA calls on
    /// it (an admin certificate for the operator who joined it) work at once. Under autolock the key
    /// comes with `ck cluster unlock` instead; if no other manager hands it over within 30 s, the
    /// join still succeeds and the data key service keeps trying (CA calls say so meanwhile).
    /// </summary>
    public async Task FetchAfterJoinAsync(CancellationToken token)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (member.CurrentCluster() is { } cluster && tlsSlot.Current is not null)
            {
                if (string.IsNullOrEmpty(cluster.DataKeyId) || cluster.Autolock || keys.Current?.Id == cluster.DataKeyId)
                {
                    return;
                }

                try
                {
                    keys.Save(await FetchAsync(cluster.DataKeyId, unlockKey: null, token), null);
                    return;
                }
                catch (RpcException)
                {
                    // Another manager may not have applied this manager's membership yet: try again shortly.
                }
            }

            if (time.GetUtcNow() >= deadline)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, token);
        }
    }

    /// <summary>The API addresses of the other managers, from the store.</summary>
    private IReadOnlyList<string> OtherManagers()
    {
        var self = tlsSlot.Current?.Identity.NodeId;
        return member.RequireNode().Store.View(tx => tx.List<Node>())
            .Where(n => n.Role == StoreRole.Manager && n.Id != self && !string.IsNullOrEmpty(n.ApiAddress))
            .Select(n => n.ApiAddress)
            .ToArray();
    }

    /// <summary>For the gRPC service: the caller's certificate identity.</summary>
    public static NodeIdentity? CallerOf(ServerCallContext context) => CallerAuthorizationInterceptor.CallerOf(context).Identity;
}
