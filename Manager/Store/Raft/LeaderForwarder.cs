using System.Collections.Concurrent;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using DotNext.Net.Cluster.Consensus.Raft;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Sends a follower's batched writes to the leader's store API (its address is in the leader's
/// Raft member metadata), so that callers of any manager never see "not leader".
/// </summary>
internal sealed class LeaderForwarder : ILeaderBatchSender, IDisposable
{
    public const string ApiAddressKey = "ck-api";
    public const string NodeIdKey = "ck-node-id";

    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly TimeSpan _callTimeout;
    private readonly Func<string, GrpcChannel> _channelFactory;

    public LeaderForwarder(TimeSpan callTimeout, Func<string, GrpcChannel>? channelFactory = null)
    {
        _callTimeout = callTimeout;
        _channelFactory = channelFactory ?? CreateChannel;
    }

    public async Task<IReadOnlyList<ProposeOutcome>> SendAsync(string leaderApi, IReadOnlyList<Transaction> transactions, CancellationToken token)
    {
        var response = await CallLeaderAsync(
            leaderApi,
            "forwarding",
            (client, deadline) => client.ProposeBatchAsync(new ProposeBatchRequest { Transactions = { transactions } }, deadline: deadline, cancellationToken: token)).ConfigureAwait(false);
        return response.Outcomes;
    }

    /// <summary>A follower's lease keep-alive, passed to the leader: the lease's granted TTL, or its failure.</summary>
    public async Task<long> KeepAliveAsync(string leaderApi, long leaseId, CancellationToken token)
    {
        // A refresh is idempotent: sending it again to the next leader is always safe.
        var response = await CallLeaderAsync(
            leaderApi,
            "passing a lease keep-alive",
            (client, deadline) => client.KvLeaseKeepAliveAsync(new KvLeaseKeepAliveRequest { Id = leaseId, Forwarded = true }, deadline: deadline, cancellationToken: token)).ConfigureAwait(false);
        return response.Failure is { } failure ? throw new KvException(failure.ToFailure()) : response.TtlSeconds;
    }

    /// <summary>
    /// One call to the leader's store API within the call timeout. A call the leader did not take (unavailable, timed
    /// out, aborted) throws <see cref="LeaderUnavailableException"/>, so that it is sent again to the next leader.
    /// </summary>
    private async Task<TResponse> CallLeaderAsync<TResponse>(string leaderApi, string what, Func<StoreService.StoreServiceClient, DateTime, AsyncUnaryCall<TResponse>> call)
    {
        var client = new StoreService.StoreServiceClient(_channels.GetOrAdd(leaderApi, _channelFactory));
        try
        {
            return await call(client, DateTime.UtcNow + _callTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted)
        {
            throw new LeaderUnavailableException($"{what} to the leader at {leaderApi} failed: {e.StatusCode}: {e.Status.Detail}", e);
        }
    }

    public static async Task<string> ApiAddressAsync(RaftClusterMember member, CancellationToken token)
    {
        var metadata = await member.GetMetadataAsync(refresh: false, token).ConfigureAwait(false);
        return metadata.TryGetValue(ApiAddressKey, out var api) && !string.IsNullOrEmpty(api)
            ? api
            : throw new LeaderUnavailableException($"raft member {member.EndPoint} publishes no {ApiAddressKey} address");
    }

    private static GrpcChannel CreateChannel(string api) => GrpcChannel.ForAddress(
        "http://" + api,
        new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(2) },
            MaxReceiveMessageSize = RaftNodeOptions.MaxApiMessageBytes,
            MaxSendMessageSize = RaftNodeOptions.MaxApiMessageBytes,
        });

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _channels.Clear();
    }
}

/// <summary>No leader could take the write just now (election in progress, leader unreachable); the call may be retried.</summary>
public sealed class LeaderUnavailableException : Exception
{
    public LeaderUnavailableException(string message)
        : base(message)
    {
    }

    public LeaderUnavailableException()
    {
    }

    public LeaderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
