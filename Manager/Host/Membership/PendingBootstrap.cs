using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>Finishes an init or a join that a crash interrupted (or that just started): the first commit, the Raft seat.</summary>
internal sealed class PendingBootstrap(BootstrapFiles bootstrap, RaftMemberSlot member, ManagerTlsSlot tlsSlot, TimeProvider time)
{
    public async Task CompleteAsync(CancellationToken token)
    {
        var node = member.Node;
        var pendingInit = bootstrap.ReadPendingInit();
        if (pendingInit is not null)
        {
            if (!await node.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "the new cluster elected no leader within 30 s"));
            }

            if (member.CurrentCluster() is null)
            {
                await node.Store.ProposeAsync(pendingInit, token);
            }

            bootstrap.DeletePendingInit();
        }

        var pendingJoin = bootstrap.ReadPendingJoin();
        if (pendingJoin is not null && tlsSlot.Current is { } tls)
        {
            await ClusterJoin.TakeRaftSeatAsync(node, tls, pendingJoin, time, token);
            bootstrap.DeletePendingJoin();
        }
    }
}
