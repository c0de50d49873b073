using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using ClusterObject = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Host;

/// <summary>
/// This manager's place in a cluster. With a fixed member list (--peers, --cold-start) it starts
/// Raft at once, without certificates. Otherwise it starts from the identity in its data
/// directory, or waits for `ck cluster init` or `ck cluster join` on the local socket.
/// </summary>
internal sealed partial class ManagerNodeService(
    ManagerOptions options,
    ManagerTlsSlot tlsSlot,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime,
    ILogger<ManagerNodeService> logger) : IHostedService, IAsyncDisposable
{
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private RaftNode? _node;

    public const string NotJoinedMessage = "this manager is not part of a cluster yet: run `ck cluster init` to create one, or `ck cluster join --token TOKEN MANAGER` to join one";

    public RaftNode Node => _node ?? throw new InvalidOperationException(NotJoinedMessage);

    public ManagerOptions Options => options;

    public ManagerTls? Tls => tlsSlot.Current;

    public TimeProvider Time { get; } = TimeProvider.System;

    internal BootstrapFiles Bootstrap => new(options.DataDirectory);

    /// <summary>This manager's copy of the cluster's data key (ADR 0011).</summary>
    internal DataKeyring Keys { get; } = new(options.DataDirectory);

    /// <summary>The Raft member, or an Unavailable error that tells the operator how to join.</summary>
    public RaftNode RequireNode() => _node ?? throw new RpcException(new Status(StatusCode.Unavailable, NotJoinedMessage));

    /// <summary>Whether the cluster removed this node (its certificate is no longer accepted).</summary>
    public bool IsRemoved(string nodeId) => CurrentCluster() is { } cluster && cluster.RemovedNodeIds.Contains(nodeId);

    public ClusterObject? CurrentCluster() => _node?.Store.View(tx => Membership.StoredCluster.Find(tx));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.DataDirectory);
        Keys.Load();
        if (options.IsFixedMembership)
        {
            _node = await RaftNode.StartAsync(options.ToRaftOptions(), loggers, Time, OnStuck, cancellationToken);
            LogServing(logger, options.NodeId ?? "?", options.ApiAddress, options.RaftEndPoint.ToString(), options.DataDirectory);
            return;
        }

        var files = new CertificateFiles(Bootstrap.IdentityDirectory);
        if (!files.Exist)
        {
            LogWaiting(logger, options.SocketPath ?? "(none)", options.DataDirectory);
            return;
        }

        // An init that stopped before its first commit still starts as the new cluster's first member.
        var bootstrap = Bootstrap.ReadPendingInit() is not null ? RaftBootstrap.NewCluster : RaftBootstrap.Join;
        await StartMemberAsync(files.Load(), files, bootstrap, cancellationToken);
        await CompletePendingAsync(cancellationToken);
    }

    /// <summary>`ck cluster init`: a new cluster with this manager as its first member.</summary>
    public async Task<InitResponse> InitAsync(InitRequest request, CancellationToken token)
    {
        await _lifecycle.WaitAsync(token);
        try
        {
            if (request.ForceNewCluster)
            {
                return await ForceNewClusterAsync(token);
            }

            EnsureNotJoined();
            EnsureAdvertised("--advertise-addr", request.AdvertiseApiAddress, options.ApiAddress, "--api-address");
            EnsureAdvertised("--advertise-raft-addr", request.AdvertiseRaftAddress, options.RaftEndPoint.ToString(), "--raft-address");
            // The data key is on disk before the first transaction that it seals.
            var dataKey = SealingKey.Create();
            var init = ClusterInit.Create(options, Time, dataKey, request.Autolock);
            var rollback = new DataDirectoryRollback(options.DataDirectory);
            try
            {
                Keys.Save(dataKey, init.UnlockKey);
                Bootstrap.WritePendingInit(init.Transaction);
                var files = new CertificateFiles(Bootstrap.IdentityDirectory);
                files.Save(init.Credentials);
                await StartMemberAsync(init.Credentials, files, RaftBootstrap.NewCluster, token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Raft did not start, so nothing was committed: leave no identity or key behind for a cluster that does not exist.
                tlsSlot.Current = null;
                rollback.Undo();
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "cluster init failed, nothing was kept: " + e.Message));
            }

            await CompletePendingAsync(token);
            LogInitialized(logger, init.Cluster.Id, init.Credentials.Identity.NodeId);
            return init.Response();
        }
        catch (LeaderUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the cluster could not commit its first write: " + e.Message));
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>`ck cluster join` with a manager token: a certificate from the cluster, then a Raft seat.</summary>
    public async Task<JoinResponse> JoinAsync(JoinRequest request, CancellationToken token)
    {
        await _lifecycle.WaitAsync(token);
        try
        {
            EnsureNotJoined();
            var joined = await ClusterJoin.RequestCertificateAsync(request, options, Time, token);
            Bootstrap.WritePendingJoin(request.RemoteAddress);
            var files = new CertificateFiles(Bootstrap.IdentityDirectory);
            files.Save(joined);
            await StartMemberAsync(joined, files, RaftBootstrap.Join, token);
            await CompletePendingAsync(token);
            await FetchDataKeyAsync(token);
            LogJoined(logger, joined.Identity.ClusterId, joined.Identity.NodeId, request.RemoteAddress);
            return new JoinResponse { ClusterId = joined.Identity.ClusterId, NodeId = joined.Identity.NodeId, Role = Proto.Manager.V1.NodeRole.Manager };
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// A joined manager holds the cluster's data key before its join returns, so that CA calls on
    /// it (an admin certificate for the operator who joined it) work at once. Under autolock the key
    /// comes with `ck cluster unlock` instead; if no other manager hands it over within 30 s, the
    /// join still succeeds and the data key service keeps trying (CA calls say so meanwhile).
    /// </summary>
    private async Task FetchDataKeyAsync(CancellationToken token)
    {
        var deadline = Time.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (CurrentCluster() is { } cluster && Tls is { } tls)
            {
                if (string.IsNullOrEmpty(cluster.DataKeyId) || cluster.Autolock || Keys.Current?.Id == cluster.DataKeyId)
                {
                    return;
                }

                try
                {
                    Keys.Save(await DataKeyHandOff.FetchAsync(tls, DataKeyHandOff.OtherManagers(this), cluster.DataKeyId, unlockKey: null, token), null);
                    return;
                }
                catch (RpcException)
                {
                    // Another manager may not have applied this manager's membership yet: try again shortly.
                }
            }

            if (Time.GetUtcNow() >= deadline)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), Time, token);
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

    private void EnsureNotJoined()
    {
        if (options.IsFixedMembership)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "this manager was started with a fixed member list (--peers or --cold-start), which has no cluster identity; start it without them to use `ck cluster init` or `ck cluster join`"));
        }

        if (_node is not null || new CertificateFiles(Bootstrap.IdentityDirectory).Exist)
        {
            var identity = Tls?.Identity;
            throw new RpcException(new Status(
                StatusCode.FailedPrecondition,
                $"this manager is already part of cluster {identity?.ClusterId ?? "?"} as node {identity?.NodeId ?? "?"}; to start over, stop it and remove its data directory {options.DataDirectory}"));
        }
    }

    private async Task StartMemberAsync(NodeCredentials credentials, CertificateFiles files, RaftBootstrap bootstrap, CancellationToken token)
    {
        var tls = new ManagerTls(credentials, files, StoreTrust, Time, refused => LogRefused(logger, refused.Reason ?? "?"));
        tlsSlot.Current = tls;
        var raftOptions = options.ToRaftOptions(credentials.Identity.NodeId, bootstrap, tls);
        _node = await RaftNode.StartAsync(raftOptions, loggers, Time, OnStuck, token);
        LogServing(logger, credentials.Identity.NodeId, options.ApiAddress, options.RaftEndPoint.ToString(), options.DataDirectory);
    }

    private TrustBundle? StoreTrust()
    {
        var stored = CurrentCluster();
        return stored is null ? null : ClusterAuthority.FromStore(stored, Keys).Trust;
    }

    /// <summary>Finishes an init or a join that a crash interrupted (or that just started).</summary>
    private async Task CompletePendingAsync(CancellationToken token)
    {
        var node = Node;
        var pendingInit = Bootstrap.ReadPendingInit();
        if (pendingInit is not null)
        {
            if (!await node.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "the new cluster elected no leader within 30 s"));
            }

            if (CurrentCluster() is null)
            {
                await node.Store.ProposeAsync(pendingInit, token);
            }

            Bootstrap.DeletePendingInit();
        }

        var pendingJoin = Bootstrap.ReadPendingJoin();
        if (pendingJoin is not null && Tls is { } tls)
        {
            await ClusterJoin.TakeRaftSeatAsync(node, tls, pendingJoin, Time, token);
            Bootstrap.DeletePendingJoin();
        }
    }

    /// <summary>
    /// `ck cluster init --force-new-cluster`: this manager's data becomes a one-manager cluster,
    /// everything committed kept; the other managers become workers to remove or re-join.
    /// </summary>
    private async Task<InitResponse> ForceNewClusterAsync(CancellationToken token)
    {
        var files = new CertificateFiles(Bootstrap.IdentityDirectory);
        if (options.IsFixedMembership || !files.Exist)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"--force-new-cluster recovers from this manager's data, but {options.DataDirectory} holds no cluster identity; allowed: on a manager that was part of a cluster"));
        }

        // DotNext keeps the member list in its log as well as in members.bin, so the old log would
        // bring the lost managers back: start a fresh log and commit everything this manager holds.
        var held = _node?.Store.Memory.CreateSnapshot();
        if (_node is not null)
        {
            await _node.DisposeAsync();
            _node = null;
        }

        held ??= await ReadHeldStateAsync(token);
        var backup = Bootstrap.SetAsideRaftState(Time.GetUtcNow());
        var credentials = files.Load();
        await StartMemberAsync(credentials, files, RaftBootstrap.NewCluster, token);
        var node = Node;
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
        var cluster = CurrentCluster() ?? throw new RpcException(new Status(StatusCode.DataLoss, "the recovered store has no cluster object"));
        var authority = ClusterAuthority.FromStore(cluster, Keys);
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

    private Task<StoreSnapshot> ReadHeldStateAsync(CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        throw new RpcException(new Status(StatusCode.FailedPrecondition, "this manager's raft member is not running, so its data cannot be read; restart ck-manager and run `ck cluster init --force-new-cluster` again"));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        _lifecycle.Dispose();
    }

    private void OnStuck(string reason)
    {
        // A supervisor (systemd, the test harness) starts the process again: a fresh process
        // reopens the WAL and fetches what it misses, which heals both known DotNext faults.
        Environment.ExitCode = ManagerExitCodes.StuckFollower;
        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} serves the API on {Api}, raft on {Raft}, data in {DataDir}")]
    private static partial void LogServing(ILogger logger, string nodeId, string api, string raft, string dataDir);

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager is not part of a cluster yet; waiting for `ck cluster init` or `ck cluster join` on {Socket} (data in {DataDir})")]
    private static partial void LogWaiting(ILogger logger, string socket, string dataDir);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {ClusterId} created; this manager is node {NodeId}")]
    private static partial void LogInitialized(ILogger logger, string clusterId, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Joined cluster {ClusterId} as manager {NodeId} through {Remote}")]
    private static partial void LogJoined(ILogger logger, string clusterId, string nodeId, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {ClusterId} recovered as a one-manager cluster on node {NodeId} (--force-new-cluster)")]
    private static partial void LogForcedNewCluster(ILogger logger, string clusterId, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The raft log from before --force-new-cluster is kept in {Backup}")]
    private static partial void LogSetAside(ILogger logger, string backup);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS peer refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}

public static class ManagerExitCodes
{
    public const int BadOptions = 2;
    public const int StartFailed = 3;

    /// <summary>The follower watchdog found this manager stuck: restart it.</summary>
    public const int StuckFollower = 75;
}
