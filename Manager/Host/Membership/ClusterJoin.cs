using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// The joining manager's side of `ck cluster join`: trust the cluster's CA only if the token pins
/// it, prove the token, get a certificate for a key made here, then ask for a Raft seat.
/// </summary>
internal static class ClusterJoin
{
    public static Task<NodeCredentials> RequestCertificateAsync(JoinRequest request, ManagerOptions options, TimeProvider time, CancellationToken token)
        => JoinCalls.RequestCertificateAsync(
            new JoinApplication(
                request.Token,
                request.RemoteAddress,
                Proto.Manager.V1.NodeRole.Manager,
                "this is a worker token, and ck-manager joins with the manager token only; run `ck cluster join` on a worker host (ck-worker answers it), or get the manager token with `ck cluster join-token manager`")
            {
                RaftAddress = options.RaftEndPoint.ToString(),
                ApiAddress = options.ApiAddress,
            },
            time,
            token);

    /// <summary>Asks the cluster (through the manager joined through; it forwards to the leader) to add this manager to Raft.</summary>
    public static async Task TakeRaftSeatAsync(RaftNode node, ManagerTls tls, string remote, TimeProvider time, CancellationToken token)
    {
        using var channel = tls.ManagerChannel(remote);
        var membership = new MembershipService.MembershipServiceClient(channel);
        var started = time.GetTimestamp();
        var budget = TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                await membership.AddManagerAsync(new AddManagerRequest(), deadline: JoinCalls.Deadline(), cancellationToken: token);
                break;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && time.GetElapsedTime(started) < budget)
            {
                // An election, or the leader still catching this manager up: ask again.
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, token);
            }
            catch (RpcException e)
            {
                throw new RpcException(new Status(e.StatusCode, $"the cluster did not add this manager to raft (through {remote}): {e.Status.Detail}"));
            }
        }

        while (!(node.IsMember && await node.WaitForLeaderAsync(TimeSpan.FromSeconds(1), token)))
        {
            if (time.GetElapsedTime(started) > budget)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"this manager was added to raft through {remote} but has not received the member list within 90 s"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, token);
        }
    }
}
