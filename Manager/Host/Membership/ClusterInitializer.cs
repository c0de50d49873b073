using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>`ck cluster init`: a new cluster with this manager as its first member, or with --force-new-cluster one recovered from this manager's data.</summary>
internal sealed partial class ClusterInitializer(
    ManagerOptions options,
    BootstrapGate gate,
    BootstrapFiles bootstrap,
    RaftMemberStarter starter,
    PendingBootstrap pending,
    RaftMemberSlot member,
    ManagerTlsSlot tlsSlot,
    DataKeyring keys,
    TimeProvider time,
    ILogger<ClusterInitializer> logger)
{
    public async Task<InitResponse> InitAsync(InitRequest request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var entered = await gate.EnterAsync(token);
        try
        {
            if (request.ForceNewCluster)
            {
                return await ForceNewClusterAsync(token);
            }

            gate.EnsureNotJoined();
            EnsureAdvertised("--advertise-addr", request.AdvertiseApiAddress, options.ApiAddress, "--api-address");
            EnsureAdvertised("--advertise-raft-addr", request.AdvertiseRaftAddress, options.RaftEndPoint.ToString(), "--raft-address");
            // The data key is on disk before the first transaction that it seals.
            var dataKey = SealingKey.Create();
            var init = ClusterInit.Create(options, time, dataKey, request.Autolock);
            var rollback = new DataDirectoryRollback(options.DataDirectory);
            try
            {
                keys.Save(dataKey, init.UnlockKey);
                bootstrap.WritePendingInit(init.Transaction);
                var files = new CertificateFiles(bootstrap.IdentityDirectory);
                files.Save(init.Credentials);
                await starter.StartAsync(init.Credentials, files, RaftBootstrap.NewCluster, token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Raft did not start, so nothing was committed: leave no identity or key behind for a cluster that does not exist.
                tlsSlot.Current = null;
                rollback.Undo();
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "cluster init failed, nothing was kept: " + e.Message));
            }

            await pending.CompleteAsync(token);
            LogInitialized(logger, init.Cluster.Id, init.Credentials.Identity.NodeId);
            return init.Response();
        }
        catch (LeaderUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the cluster could not commit its first write: " + e.Message));
        }
    }

    /// <summary>The manager advertises the addresses it listens on; another one given to init is a mistake to name.</summary>
    private static void EnsureAdvertised(string flag, string requested, string actual, string option)
    {
        if (!string.IsNullOrEmpty(requested) && requested != actual)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{flag} {requested} differs from this manager's {option} {actual}; allowed: the address the manager listens on (start ck-manager with {option} {requested})"));
        }
    }

    /// <summary>
    /// `ck cluster init --force-new-cluster`: this manager's data becomes a one-manager cluster,
    /// everything committed kept; the other managers become workers to remove or re-join.
    /// </summary>
    private async Task<InitResponse> ForceNewClusterAsync(CancellationToken token)
    {
        var files = new CertificateFiles(bootstrap.IdentityDirectory);
        if (options.IsFixedMembership || !files.Exist)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"--force-new-cluster recovers from this manager's data, but {options.DataDirectory} holds no cluster identity; allowed: on a manager that was part of a cluster"));
        }

        // DotNext keeps the member list in its log as well as in members.bin, so the old log would
        // bring the lost managers back: start a fresh log and commit everything this manager holds.
        var held = member.Current?.Store.Memory.CreateSnapshot();
        await member.StopAsync();
        held ??= await ReadHeldStateAsync(token);
        var backup = bootstrap.SetAsideRaftState(time.GetUtcNow());
        var credentials = files.Load();
        await starter.StartAsync(credentials, files, RaftBootstrap.NewCluster, token);
        var node = member.Node;
        if (!await node.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the recovered cluster elected no leader within 30 s"));
        }

        var self = credentials.Identity.NodeId;
        await node.Store.UpdateAsync(
            tx =>
            {
                StoreRestore.PutAll(tx, held);
                foreach (var other in held.Nodes.Where(n => n.Role == Proto.Manager.V1.NodeRole.Manager && n.Id != self))
                {
                    var demoted = other.Clone();
                    demoted.Role = Proto.Manager.V1.NodeRole.Worker;
                    demoted.Spec ??= new NodeSpec { Availability = NodeAvailability.Active };
                    demoted.Spec.DesiredRole = Proto.Manager.V1.NodeRole.Worker;
                    demoted.Status = new NodeStatus { State = NodeState.Down, Message = "removed from raft by --force-new-cluster", Address = other.Status?.Address ?? string.Empty };
                    tx.Put(demoted);
                }
            },
            token);
        LogSetAside(logger, backup);
        var cluster = member.CurrentCluster() ?? throw new RpcException(new Status(StatusCode.DataLoss, "the recovered store has no cluster object"));
        var authority = ClusterAuthority.FromStore(cluster, keys);
        LogForcedNewCluster(logger, cluster.Id, self);
        return new InitResponse
        {
            ClusterId = cluster.Id,
            NodeId = self,
            WorkerToken = authority.Tokens.Token(Shared.Identity.NodeRole.Worker, authority.TokenDigest).ToString(),
            ManagerToken = authority.Tokens.Token(Shared.Identity.NodeRole.Manager, authority.TokenDigest).ToString(),
            RootCertificatesPem = { authority.Trust.Roots.Select(r => r.ExportCertificatePem()) },
        };
    }

    private static Task<StoreSnapshot> ReadHeldStateAsync(CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        throw new RpcException(new Status(StatusCode.FailedPrecondition, "this manager's raft member is not running, so its data cannot be read; restart ck-manager and run `ck cluster init --force-new-cluster` again"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {ClusterId} created; this manager is node {NodeId}")]
    private static partial void LogInitialized(ILogger logger, string clusterId, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {ClusterId} recovered as a one-manager cluster on node {NodeId} (--force-new-cluster)")]
    private static partial void LogForcedNewCluster(ILogger logger, string clusterId, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The raft log from before --force-new-cluster is kept in {Backup}")]
    private static partial void LogSetAside(ILogger logger, string backup);
}
