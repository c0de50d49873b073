using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// The leader's lease loop for one term (ADR 0017): every lease starts its full TTL when the term starts
/// (<see cref="KvLeaseClock.Promote"/>), grants and revokes are followed as they are applied, and each lease whose TTL
/// runs out is revoked by an ordinary lease_revoke write, so its keys vanish at one revision on every manager.
/// </summary>
public sealed partial class KvLeaseExpiry
{
    /// <summary>How often the loop looks for expired leases: a lease lives at most this much past its TTL.</summary>
    public static readonly TimeSpan DefaultTick = TimeSpan.FromMilliseconds(200);

    private readonly Func<KvState> _current;
    private readonly Func<KvWrite, CancellationToken, Task<KvWriteResult>> _writeAsLeader;
    private readonly KvLeaseClock _clock;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _tick;

    /// <param name="current">This manager's applied key-value state.</param>
    /// <param name="writeAsLeader">Commits a write from this manager only while it leads (never forwarded: a deposed
    /// leader's expiry must not reach its successor, which may have seen a refresh since).</param>
    public KvLeaseExpiry(Func<KvState> current, Func<KvWrite, CancellationToken, Task<KvWriteResult>> writeAsLeader, KvLeaseClock clock, TimeProvider time, ILogger logger, TimeSpan? tick = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(writeAsLeader);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        if (tick is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(tick), t, "the lease expiry tick must be positive");
        }

        _current = current;
        _writeAsLeader = writeAsLeader;
        _clock = clock;
        _time = time;
        _logger = logger;
        _tick = tick ?? DefaultTick;
    }

    /// <summary>Runs until <paramref name="stepDown"/> is cancelled (the term ended).</summary>
    public async Task RunAsync(CancellationToken stepDown)
    {
        _clock.Promote(_current());
        while (!stepDown.IsCancellationRequested)
        {
            await RevokeExpiredAsync(stepDown).ConfigureAwait(false);
            try
            {
                await Task.Delay(_tick, _time, stepDown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stepDown.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One pass: follows the applied leases and revokes those that expired. Returns how many it revoked.</summary>
    public async Task<int> RevokeExpiredAsync(CancellationToken token)
    {
        _clock.Observe(_current());
        var revoked = 0;
        foreach (var id in _clock.Expired())
        {
            try
            {
                var result = await _writeAsLeader(new KvWrite { LeaseRevoke = new KvLeaseRevoke { Id = id } }, token).ConfigureAwait(false);
                revoked++;
                LogExpired(_logger, id, result.Revision);
            }
            catch (KvException e) when (e.Code == KvErrorCode.LeaseNotFound)
            {
                // Revoked by a client meanwhile; the next pass forgets it.
            }
            catch (LeaderUnavailableException e)
            {
                // Not leading any more (or not under the leader lease): the term is ending, or the next pass tries again.
                LogNotRevoked(_logger, id, e.Message);
                break;
            }
        }

        _clock.Observe(_current());
        return revoked;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease {LeaseId:x} expired: revoked at revision {Revision}")]
    private static partial void LogExpired(ILogger logger, long leaseId, long revision);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease {LeaseId:x} expired but was not revoked: {Reason}")]
    private static partial void LogNotRevoked(ILogger logger, long leaseId, string reason);
}
