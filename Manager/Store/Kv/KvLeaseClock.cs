using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>A lease as TimeToLive reports it: seconds left (-1: no such lease), granted TTL, attached keys.</summary>
public sealed record KvLeaseStatus(long Id, long RemainingSeconds, long GrantedSeconds, IReadOnlyList<ByteString> Keys);

/// <summary>
/// When the leader lets each lease expire (ADR 0017). Not replicated: only the leader keeps one, and its expiries
/// become ordinary revoke transactions. A lease expires its TTL after its last refresh; a grant, a keep-alive and
/// taking over leadership (<see cref="Promote"/>: every lease gets its full TTL from then) are refreshes.
/// </summary>
public sealed class KvLeaseClock(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, DateTimeOffset> _expiries = [];

    /// <summary>This manager became leader: every lease of <paramref name="state"/> starts its full TTL now.</summary>
    public void Promote(KvState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _expiries.Clear();
            foreach (var lease in state.Leases)
            {
                _expiries[lease.Id] = now.AddSeconds(lease.TtlSeconds);
            }
        }
    }

    /// <summary>Follows the committed leases: a new one starts its TTL now, a revoked one is forgotten.</summary>
    public void Observe(KvState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var id in _expiries.Keys.Where(id => state.Lease(id) is null).ToList())
            {
                _expiries.Remove(id);
            }

            foreach (var lease in state.Leases)
            {
                _expiries.TryAdd(lease.Id, now.AddSeconds(lease.TtlSeconds));
            }
        }
    }

    /// <summary>A keep-alive: the lease's TTL starts again now; its granted TTL, or null when there is no such lease.</summary>
    public long? KeepAlive(KvState state, long id)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Lease(id) is not { } lease)
        {
            return null;
        }

        lock (_gate)
        {
            _expiries[id] = time.GetUtcNow().AddSeconds(lease.TtlSeconds);
        }

        return lease.TtlSeconds;
    }

    public KvLeaseStatus TimeToLive(KvState state, long id, bool withKeys)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Lease(id) is not { } lease)
        {
            return new KvLeaseStatus(id, -1, 0, []);
        }

        DateTimeOffset expiry;
        lock (_gate)
        {
            expiry = _expiries.GetValueOrDefault(id, time.GetUtcNow().AddSeconds(lease.TtlSeconds));
        }

        var left = (long)Math.Ceiling((expiry - time.GetUtcNow()).TotalSeconds);
        return new KvLeaseStatus(id, Math.Max(0, left), lease.TtlSeconds, withKeys ? [.. lease.Keys] : []);
    }

    /// <summary>The leases whose TTL has run out, by id: the leader proposes a revoke of each.</summary>
    public IReadOnlyList<long> Expired()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return [.. _expiries.Where(e => e.Value <= now).Select(e => e.Key).Order()];
        }
    }

    /// <summary>A free positive lease id for a grant whose client left the id to the server.</summary>
    public static long ChooseId(KvState state, Random random)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(random);
        while (true)
        {
            var id = random.NextInt64(1, long.MaxValue);
            if (state.Lease(id) is null)
            {
                return id;
            }
        }
    }
}
