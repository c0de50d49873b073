using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host;

/// <summary>The store API on every manager: writes from anywhere, forwarded writes on the leader, reads, status.</summary>
internal sealed partial class StoreGrpcService(RaftMemberSlot member, ILogger<StoreGrpcService> logger) : StoreService.StoreServiceBase
{
    private static readonly string ReadableTables = string.Join(", ", StoreTables.All.Where(t => t.Table != Table.Clusters).Select(t => t.Name));

    private RaftNode Node
    {
        get
        {
            try
            {
                return member.Node;
            }
            catch (InvalidOperationException e)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
            }
        }
    }

    public override async Task<ProposeResponse> Propose(ProposeRequest request, ServerCallContext context)
    {
        if (request.Transaction is null || (request.Transaction.Mutations.Count == 0 && request.Transaction.Kv is null))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "propose: the transaction has no mutations and no kv write; one of them is required"));
        }

        try
        {
            var verdict = request.Forwarded
                ? await Node.Store.CommitAsLeaderAsync(request.Transaction, context.CancellationToken)
                : await Node.Store.CommitAsync(request.Transaction, context.CancellationToken);

            // A kv write's failure is its answer (etcd's code and message, ADR 0017), not a conflict status.
            if (verdict.KvFailure is { } failure)
            {
                return new ProposeResponse { KvFailure = failure.ToMessage() };
            }

            return new ProposeResponse { Version = verdict.VersionOrThrow(), Kv = verdict.Kv };
        }
        catch (StoreConflictException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (LeaderUnavailableException e)
        {
            LogProposeUnavailable(logger, request.Forwarded, e.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    public override async Task<ProposeBatchResponse> ProposeBatch(ProposeBatchRequest request, ServerCallContext context)
    {
        var response = new ProposeBatchResponse();
        var outcomes = new ProposeOutcome[request.Transactions.Count];
        var valid = new List<Transaction>(outcomes.Length);
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (request.Transactions[i].Mutations.Count == 0 && request.Transactions[i].Kv is null)
            {
                // One malformed write fails alone, not the writes of other callers sent with it.
                outcomes[i] = new ProposeOutcome { Rejected = $"propose batch: transaction {i} has no mutations and no kv write; one of them is required" };
            }
            else
            {
                valid.Add(request.Transactions[i]);
            }
        }

        IReadOnlyList<Task<StoreCommitResult>> verdicts;
        try
        {
            verdicts = valid.Count == 0 ? [] : Node.Store.ProposeBatchAsLeader(valid, context.CancellationToken);
        }
        catch (LeaderUnavailableException e)
        {
            LogProposeUnavailable(logger, true, e.Message);
            verdicts = [.. valid.Select(_ => Task.FromException<StoreCommitResult>(e))];
        }

        var next = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] ??= await OutcomeAsync(verdicts[next++]);
        }

        response.Outcomes.Add(outcomes);
        return response;
    }

    /// <summary>
    /// A verdict as an outcome. Other failures (outcome unknown: leadership lost while replicating,
    /// shutdown) fail the whole call, as they failed a single forwarded Propose.
    /// </summary>
    private async Task<ProposeOutcome> OutcomeAsync(Task<StoreCommitResult> verdict)
    {
        try
        {
            var result = await verdict;
            return result.IsCommitted
                ? new ProposeOutcome { Version = result.Version, Kv = result.Kv }
                : new ProposeOutcome { Conflict = result.Error, KvFailure = result.KvFailure?.ToMessage() };
        }
        catch (LeaderUnavailableException e)
        {
            LogProposeUnavailable(logger, true, e.Message);
            return new ProposeOutcome { Retry = e.Message };
        }
    }

    public override async Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        // The cluster object holds the CA's signing key: it is read through ClusterService.Inspect, without the key.
        if (request.Table is Table.Unspecified or Table.Clusters || !Enum.IsDefined(request.Table))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"get: table {request.Table} is unknown; allowed: {ReadableTables}"));
        }

        if (string.IsNullOrEmpty(request.Id))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "get: the id is empty; a non-empty id (or kv key) is required"));
        }

        try
        {
            (StoreObject? Object, ulong Version) found = request.AllowStale
                ? Node.Store.View(tx => (tx.GetObject(request.Table, request.Id), tx.Version))
                : await Node.Store.ReadAsync(tx => (tx.GetObject(request.Table, request.Id), tx.Version), context.CancellationToken);
            var response = new GetResponse { StoreVersion = found.Version };
            if (found.Object is not null)
            {
                response.Object = found.Object;
            }

            return response;
        }
        catch (LeaderUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    public override async Task<KvRangeResponse> KvRange(KvRangeRequest request, ServerCallContext context)
    {
        if (request.Range is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "kv range: the range is missing; a key (and optionally range_end) is required"));
        }

        try
        {
            var read = await Node.Store.RangeAsync(request.Range, request.Linearizable, context.CancellationToken);
            return new KvRangeResponse { Revision = read.Revision, Result = read.Result };
        }
        catch (KvException e)
        {
            return new KvRangeResponse { Failure = e.Failure.ToMessage() };
        }
        catch (LeaderUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    public override async Task<KvLeaseKeepAliveResponse> KvLeaseKeepAlive(KvLeaseKeepAliveRequest request, ServerCallContext context)
    {
        try
        {
            // A forwarded keep-alive is answered here or refused as unavailable (the follower then asks the next leader).
            var ttl = request.Forwarded
                ? Node.Store.KeepAliveAsLeader(request.Id)
                : await Node.Store.KeepAliveAsync(request.Id, context.CancellationToken);
            return new KvLeaseKeepAliveResponse { TtlSeconds = ttl };
        }
        catch (KvException e)
        {
            return new KvLeaseKeepAliveResponse { Failure = e.Failure.ToMessage() };
        }
        catch (LeaderUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    public override async Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var status = await Node.GetStatusAsync(context.CancellationToken);
        return new StatusResponse
        {
            NodeId = status.NodeId,
            IsLeader = status.IsLeader,
            LeaderNodeId = status.LeaderNodeId ?? string.Empty,
            LeaderApiAddress = status.LeaderApiAddress ?? string.Empty,
            Term = status.Term,
            AppliedIndex = status.AppliedIndex,
            CommitIndex = status.CommitIndex,
            StoreVersion = status.StoreVersion,
            Members = status.Members,
            SnapshotsTaken = status.SnapshotsTaken,
            SnapshotsInstalled = status.SnapshotsInstalled,
            Batches = status.Batches,
            BatchedTransactions = status.BatchedTransactions,
            ForwardedBatches = status.ForwardedBatches,
            ForwardedTransactions = status.ForwardedTransactions,
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Propose (forwarded: {Forwarded}) found no leader: {Reason}")]
    private static partial void LogProposeUnavailable(ILogger logger, bool forwarded, string reason);
}
