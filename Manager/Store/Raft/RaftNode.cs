using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// One manager's Raft member: the write-ahead log and snapshots under the data directory,
/// the state machine that applies committed entries to the store, the TCP transport, group
/// commit and forwarding, and a watchdog for a follower that stops catching up.
/// </summary>
public sealed partial class RaftNode : IAsyncDisposable
{
    private readonly RaftCluster _cluster;
    private readonly DurableWriteAheadLog _wal;
    private readonly StoreStateMachine _stateMachine;
    private readonly GroupCommitter _committer;
    private readonly LeaderForwarder _forwarder;
    private readonly ForwardBatcher _batcher;
    private readonly FollowerWatchdog? _watchdog;
    private readonly StalledLeaderGuard? _stallGuard;
    private RaftClusterMember? _lastRemoteLeader;
    private long _lastRemoteLeaderTerm;
    private int _stallLogged;
    private readonly MemberListFile _members;
    private readonly ILogger _logger;
    private int _disposed;

    private RaftNode(RaftNodeOptions options, RaftCluster cluster, MemberListFile members, DurableWriteAheadLog wal, StoreStateMachine stateMachine, MemoryStore memory, StalledLeaderGuard? stallGuard, ILoggerFactory loggers, TimeProvider time, Action<string>? onStuck)
    {
        _stallGuard = stallGuard;
        Options = options;
        _cluster = cluster;
        _members = members;
        _wal = wal;
        _stateMachine = stateMachine;
        _logger = loggers.CreateLogger<RaftNode>();
        _forwarder = new LeaderForwarder(options.ProposeTimeout, options.ApiChannelFactory);
        _batcher = new ForwardBatcher(_forwarder, options.ForwardBatch, loggers.CreateLogger<ForwardBatcher>());
        _committer = new GroupCommitter(
            (payload, context, token) => _cluster.ReplicateAsync(payload, context, token),
            options.GroupCommit,
            loggers.CreateLogger<GroupCommitter>());
        Store = new RaftStore(cluster, memory, _committer, _batcher, time, options.ProposeTimeout, () => stateMachine.LastAppliedTerm, () => HoldsLeadership, forwardKeepAlive: _forwarder.KeepAliveAsync);
        if (options.StuckFollowerAfter > TimeSpan.Zero && onStuck is not null)
        {
            _watchdog = new FollowerWatchdog(
                () => _cluster.Leader is { } leader ? leader.IsRemote : null,
                token => Store.ReadBarrierAsync(token),
                options.StuckFollowerAfter,
                time,
                reason =>
                {
                    LogStuck(_logger, options.NodeId, reason);
                    onStuck(reason);
                },
                options.FirstCatchUpAfter);
        }
    }

    public RaftNodeOptions Options { get; }

    public RaftStore Store { get; }

    /// <summary>DotNext's cluster: its leader and members, with their metadata (<see cref="RaftMemberMetadata"/>).</summary>
    public IRaftCluster Cluster => _cluster;

    internal GroupCommitter Committer => _committer;

    internal ForwardBatcher Forwarder => _batcher;

    /// <summary>Starts the member: restores the latest snapshot, replays the log tail, joins the others.</summary>
    /// <param name="onStuck">Called when the watchdog finds this follower stuck; the host restarts the process.</param>
    public static async Task<RaftNode> StartAsync(RaftNodeOptions options, ILoggerFactory loggers, TimeProvider time, Action<string>? onStuck, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = loggers.CreateLogger<RaftNode>();
        var memory = new MemoryStore();
        var stateMachine = new StoreStateMachine(
            new DirectoryInfo(Path.Combine(options.DataDirectory, "snapshots")), memory, options.SnapshotEvery, loggers.CreateLogger<StoreStateMachine>());
        await stateMachine.RestoreAsync(token).ConfigureAwait(false);
        stateMachine.Started = true;
        // The guard is told of every append from the leader; the node it acts through exists only later.
        RaftNode? node = null;
        var responses = new MemberResponses<RaftClusterMember>(time);
        var snapshotSends = new SnapshotSendWatch(stateMachine, time);
        var stallGuard = options.StalledLeaderAfter > TimeSpan.Zero
            ? new StalledLeaderGuard(
                () => node?.Store.LeadsByRaft ?? false,
                t => node?.GiveUpOnStalledLeaderAsync(t) ?? ValueTask.FromResult(false),
                t => node?.DropMembersHoldingUpRoundsAsync(responses, snapshotSends, t) ?? ValueTask.CompletedTask,
                options.StalledLeaderAfter,
                TimeSpan.FromMilliseconds(options.LowerElectionTimeoutMs / 3.0),
                time)
            : null;
        var wal = new DurableWriteAheadLog(
            new WriteAheadLog.Options { Location = Path.Combine(options.DataDirectory, "wal") }, snapshotSends, () => stallGuard?.LeaderHeard());

        var members = new MemberListFile(MemberListFile.PathIn(options.DataDirectory));
        var hasMemberList = File.Exists(MemberListFile.PathIn(options.DataDirectory));
        if (!hasMemberList && options.Bootstrap == RaftBootstrap.FixedMembers)
        {
            await members.SeedAsync(options.Members, token).ConfigureAwait(false);
        }

        var configuration = new RaftCluster.TcpConfiguration(options.RaftEndPoint)
        {
            LowerElectionTimeout = options.LowerElectionTimeoutMs,
            UpperElectionTimeout = options.UpperElectionTimeoutMs,
            RequestTimeout = options.RequestTimeout,
            ConnectTimeout = TimeSpan.FromMilliseconds(options.LowerElectionTimeoutMs),
            // DotNext adds this member to an empty list on a cold start: only for a new cluster.
            ColdStart = options.Bootstrap == RaftBootstrap.NewCluster && !hasMemberList,
            ConfigurationStorage = members,
            SslOptions = options.TransportSecurity,
            LoggerFactory = loggers,

            // A leader reports itself as such only while a majority answered within the lease (see HoldsLeadership).
            IsLeaderLeaseEnabled = true,
        };

        configuration.Metadata[LeaderForwarder.ApiAddressKey] = options.ApiAddress;
        configuration.Metadata[LeaderForwarder.NodeIdKey] = options.NodeId;

        var cluster = new RaftCluster(configuration) { AuditTrail = wal, FailureDetectorFactory = responses.Create };
        node = new RaftNode(options, cluster, members, wal, stateMachine, memory, stallGuard, loggers, time, onStuck);
        cluster.LeaderChanged += node.OnLeaderChanged;
        try
        {
            await cluster.StartAsync(token).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.AddressAlreadyInUse or System.Net.Sockets.SocketError.AddressNotAvailable)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            await wal.DisposeAsync().ConfigureAwait(false);
            await stateMachine.DisposeAsync().ConfigureAwait(false);
            members.Dispose();
            throw new IOException(
                $"raft address {options.RaftEndPoint} cannot be bound ({e.Message}); allowed: an address of this host whose port no other process (or another ck-manager) listens on",
                e);
        }
        catch (Exception e) when (Damage(e) is { } damage)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            await wal.DisposeAsync().ConfigureAwait(false);
            await stateMachine.DisposeAsync().ConfigureAwait(false);
            members.Dispose();
            throw new InvalidDataException(
                $"the raft log in {Path.Combine(options.DataDirectory, "wal")} is damaged ({damage.Message}); nothing was changed on disk. " +
                "If other managers hold the data, move this manager's wal/, snapshots/ and members.bin aside and start it again to catch up from the leader; otherwise restore the data directory from a backup",
                e);
        }
        LogStarted(logger, options.NodeId, options.RaftEndPoint.ToString(), options.Members.Count, memory.Version, wal.LastCommittedEntryIndex);
        if (stallGuard is not null && !MemberConnection.IsSupported)
        {
            LogNoConnectionDrop(logger, options.NodeId);
        }

        node._watchdog?.Start();
        node._stallGuard?.Start();
        return node;
    }

    /// <summary>The corrupt-data cause inside DotNext's wrapping, if that is what stopped the start.</summary>
    private static InvalidDataException? Damage(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is InvalidDataException damage)
            {
                return damage;
            }
        }

        return null;
    }

    /// <summary>
    /// This manager holds the leadership now, as far as it can know: DotNext makes it the leader, it has applied an
    /// entry of the current term (its own term-start entry: a majority accepted it as leader of this term), and a
    /// majority answered it within the leader lease (the lower election timeout), so no other manager can have been
    /// elected since. A leader that was paused and resumes loses the lease at once, before it learns of a newer term.
    /// </summary>
    public bool HoldsLeadership
    {
        get
        {
            if (_cluster.Leader is not { IsRemote: false } || _stateMachine.LastAppliedTerm != _cluster.Term)
            {
                return false;
            }

            return _cluster.TryGetLeaseToken(out var lease) && !lease.IsCancellationRequested;
        }
    }

    /// <summary>
    /// Gives up on the last leader this manager knew (see <see cref="StalledLeaderGuard"/>): the append being received
    /// from it, and this manager's own pending requests to it.
    /// </summary>
    private ValueTask<bool> GiveUpOnStalledLeaderAsync(CancellationToken token)
    {
        // Only for the first elections after that leader's term: a leader that stepped down and is alive votes later on.
        if (Volatile.Read(ref _lastRemoteLeader) is not { } leader || _cluster.Term > Interlocked.Read(ref _lastRemoteLeaderTerm) + 2
            || Volatile.Read(ref _disposed) != 0 || token.IsCancellationRequested)
        {
            return ValueTask.FromResult(false);
        }

        if (Interlocked.Exchange(ref _stallLogged, 1) == 0)
        {
            LogLeaderStalled(_logger, Options.NodeId, leader.EndPoint?.ToString() ?? "?", Options.StalledLeaderAfter.TotalMilliseconds);
        }

        _wal.AbandonStalledAppend();
        MemberConnection.Drop(leader);
        return ValueTask.FromResult(true);
    }

    /// <summary>
    /// As leader without a lease (it is not committing): closes the connections to members that hold up a replication
    /// round the others have answered (<see cref="MemberResponses{TMember}.HoldingUpRounds"/>), so that their requests
    /// fail as "unavailable" and the round, and the commit behind it, go on without them. Never for a request timeout
    /// after a snapshot send began: a member installing a snapshot answers late and must not be cut off.
    /// </summary>
    private ValueTask DropMembersHoldingUpRoundsAsync(MemberResponses<RaftClusterMember> responses, SnapshotSendWatch snapshotSends, CancellationToken token)
    {
        if (HoldsLeadership || Volatile.Read(ref _disposed) != 0 || token.IsCancellationRequested || snapshotSends.SentWithin(Options.RequestTimeout))
        {
            return ValueTask.CompletedTask;
        }

        foreach (var member in responses.HoldingUpRounds(TimeSpan.FromMilliseconds(Options.UpperElectionTimeoutMs), Options.StalledLeaderAfter, _cluster.Members.Count))
        {
            if (member.IsRemote && MemberConnection.Drop(member))
            {
                LogSilentMemberDropped(_logger, Options.NodeId, member.EndPoint?.ToString() ?? "?");
            }
        }

        return ValueTask.CompletedTask;
    }

    public async Task<bool> WaitForLeaderAsync(TimeSpan timeout, CancellationToken token)
        => await _cluster.WaitForLeaderAsync(timeout, token).ConfigureAwait(false) is not null;

    public async Task<RaftStatus> GetStatusAsync(CancellationToken token)
    {
        var leader = _cluster.Leader;
        string? leaderNode = null;
        string? leaderApi = null;
        if (leader is not null)
        {
            try
            {
                var metadata = await leader.GetMetadataAsync(refresh: false, token).ConfigureAwait(false);
                leaderNode = metadata.GetValueOrDefault(LeaderForwarder.NodeIdKey);
                leaderApi = metadata.GetValueOrDefault(LeaderForwarder.ApiAddressKey);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogMetadataFailed(_logger, leader.EndPoint?.ToString() ?? "?", e.Message);
            }
        }

        return new RaftStatus(
            Options.NodeId,
            HoldsLeadership,
            leaderNode,
            leaderApi,
            _cluster.Term,
            _wal.LastAppliedIndex,
            _wal.LastCommittedEntryIndex,
            Store.Memory.Version,
            _cluster.Members.Count,
            _stateMachine.SnapshotsTaken,
            _stateMachine.SnapshotsInstalled,
            _committer.Batches,
            _committer.Transactions)
        {
            ForwardedBatches = _batcher.Batches,
            ForwardedTransactions = _batcher.Transactions,
        };
    }

    private void OnLeaderChanged(ICluster cluster, IClusterMember? leader)
    {
        if (leader is null)
        {
            LogNoLeader(_logger, Options.NodeId);
        }
        else
        {
            if (leader is RaftClusterMember { IsRemote: true } remote)
            {
                Volatile.Write(ref _lastRemoteLeader, remote);
                Interlocked.Exchange(ref _lastRemoteLeaderTerm, _cluster.Term);
                Volatile.Write(ref _stallLogged, 0);
                _stallGuard?.LeaderHeard();
            }

            LogLeaderChanged(_logger, Options.NodeId, leader.EndPoint?.ToString() ?? "?", !leader.IsRemote, _cluster.Term);
            _ = GiveUpForwardsToFormerLeadersAsync(leader);
            if (!leader.IsRemote)
            {
                _ = CommitTermStartAsync(_cluster.Term);
            }
        }
    }

    /// <summary>Forwarded calls still waiting on a former leader are sent again to this one (<see cref="ForwardBatcher.LeaderIs"/>).</summary>
    private async Task GiveUpForwardsToFormerLeadersAsync(IClusterMember leader)
    {
        try
        {
            var api = leader is RaftClusterMember { IsRemote: true } remote
                ? await LeaderForwarder.ApiAddressAsync(remote, CancellationToken.None).ConfigureAwait(false)
                : Options.ApiAddress;
            if (Volatile.Read(ref _disposed) == 0)
            {
                _batcher.LeaderIs(api);
            }
        }
        catch (Exception e) when (e is LeaderUnavailableException or OperationCanceledException or ObjectDisposedException or DotNext.Net.Cluster.MemberUnavailableException)
        {
            LogMetadataFailed(_logger, leader.EndPoint?.ToString() ?? "?", e.Message);
        }
    }

    /// <summary>
    /// A new leader commits an entry of its own term at once (Raft section 8): only then does it know that everything
    /// the previous leader committed is committed, and read barriers wait for it (<see cref="RaftStore.ReadBarrierAsync"/>).
    /// DotNext neither writes such an entry itself nor applies an empty one, so it carries a marker. Right after the
    /// election DotNext may not accept writes yet: retried while this manager still leads the term.
    /// </summary>
    private async Task CommitTermStartAsync(long term)
    {
        var payload = Google.Protobuf.MessageExtensions.ToByteArray(new Proto.Manager.V1.LogBatch { TermStart = term });
        using var limit = new CancellationTokenSource(Options.ProposeTimeout);
        while (_cluster.Term == term && _cluster.Leader is { IsRemote: false } && Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                await _cluster.ReplicateAsync(payload, null, limit.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (limit.IsCancellationRequested)
                {
                    LogTermStartNotCommitted(_logger, Options.NodeId, term, e.Message);
                    return;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    LogTermStartNotCommitted(_logger, Options.NodeId, term, e.Message);
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        if (_stallGuard is not null)
        {
            await _stallGuard.DisposeAsync().ConfigureAwait(false);
        }

        await _batcher.DisposeAsync().ConfigureAwait(false);
        await _committer.DisposeAsync().ConfigureAwait(false);
        _cluster.LeaderChanged -= OnLeaderChanged;
        try
        {
            await _cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
            await _wal.DisposeAsync().ConfigureAwait(false);
            await _stateMachine.DisposeAsync().ConfigureAwait(false);
            _forwarder.Dispose();
            _members.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} joined raft at {Address} with {Members} managers; store version {Version}, commit index {CommitIndex}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string address, int members, ulong version, long commitIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId}: leader is {Leader} (this manager: {IsSelf}), term {Term}")]
    private static partial void LogLeaderChanged(ILogger logger, string nodeId, string leader, bool isSelf, long term);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Manager {NodeId}: the empty entry that starts term {Term} was not committed ({Reason}); a later leader commits its own")]
    private static partial void LogTermStartNotCommitted(ILogger logger, string nodeId, long term, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manager {NodeId}: no append from leader {Leader} for {StalledAfterMs} ms; the append being received from it and the connection to it are dropped so that an election can finish without it")]
    private static partial void LogLeaderStalled(ILogger logger, string nodeId, string leader, double stalledAfterMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manager {NodeId}: this DotNext build has no client connection field to close; a stalled leader is given up on only when it stalls mid-append")]
    private static partial void LogNoConnectionDrop(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manager {NodeId} leads without a lease: closed the connection to {Member}, which holds up a replication round the others have answered")]
    private static partial void LogSilentMemberDropped(ILogger logger, string nodeId, string member);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manager {NodeId}: no leader")]
    private static partial void LogNoLeader(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the metadata of raft member {Member} failed: {Error}")]
    private static partial void LogMetadataFailed(ILogger logger, string member, string error);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Manager {NodeId} is a stuck follower: {Reason}")]
    private static partial void LogStuck(ILogger logger, string nodeId, string reason);
}

/// <summary>One manager's view of Raft, for status calls and tests.</summary>
public sealed record RaftStatus(
    string NodeId,
    bool IsLeader,
    string? LeaderNodeId,
    string? LeaderApiAddress,
    long Term,
    long AppliedIndex,
    long CommitIndex,
    ulong StoreVersion,
    int Members,
    long SnapshotsTaken,
    long SnapshotsInstalled,
    long Batches,
    long BatchedTransactions)
{
    /// <summary>Batch calls this manager made to the leader as a follower, and the transactions in them.</summary>
    public long ForwardedBatches { get; init; }

    public long ForwardedTransactions { get; init; }
}
