namespace ClusterKit.Manager.Registry.Auth;

/// <summary>The token endpoint's limit on failed logins per client address (see docs/security.md).</summary>
/// <param name="Burst">Failed logins a client may make in a row before it is held back.</param>
/// <param name="RefillInterval">The time after which a held-back client may try once more.</param>
/// <param name="MaxClients">Client addresses remembered at most; beyond it the longest-quiet ones are forgotten.</param>
public sealed record LoginThrottleOptions(int Burst = 10, TimeSpan? RefillInterval = null, int MaxClients = 10_000)
{
    public TimeSpan Refill => RefillInterval ?? TimeSpan.FromSeconds(6);
}

/// <summary>
/// A token bucket per client address for logins at the token endpoint: every attempt takes a token before the
/// credential is checked (so a held-back client costs no password hash), and a login that succeeds gives its token
/// back, so that only failures count. A bucket refills one token per <see cref="LoginThrottleOptions.Refill"/> up to
/// the burst. A full bucket is the same as none, so full buckets are dropped when the table reaches its size limit,
/// then the longest-quiet ones: memory stays bounded whatever addresses the clients use.
/// </summary>
public sealed class LoginThrottle(TimeProvider time, LoginThrottleOptions? options = null)
{
    private readonly LoginThrottleOptions _options = Validate(options ?? new LoginThrottleOptions());
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Client addresses remembered now (each has failed logins not yet refilled).</summary>
    public int Tracked
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>
    /// Takes a token for one login attempt of <paramref name="client"/>: true when it may try now; otherwise false and
    /// the time until it may (the Retry-After to send).
    /// </summary>
    public bool TryBegin(string client, out TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(client);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var tokens = Refilled(client, now, out var since);
            if (tokens < 1)
            {
                retryAfter = _options.Refill * (1 - tokens);
                return false;
            }

            retryAfter = TimeSpan.Zero;
            Store(client, new Bucket(tokens - 1, since), now);
            return true;
        }
    }

    /// <summary>The attempt <see cref="TryBegin"/> let through logged in: its token goes back.</summary>
    public void Succeeded(string client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var tokens = Math.Min(_options.Burst, Refilled(client, now, out var since) + 1);
            Store(client, new Bucket(tokens, since), now);
        }
    }

    /// <summary>The client's tokens now (the burst when unknown), and the instant they were counted at.</summary>
    private double Refilled(string client, DateTimeOffset now, out DateTimeOffset since)
    {
        since = now;
        if (!_buckets.TryGetValue(client, out var bucket))
        {
            return _options.Burst;
        }

        var elapsed = Math.Max(0, (now - bucket.CountedAt).Ticks);
        return Math.Min(_options.Burst, bucket.Tokens + ((double)elapsed / _options.Refill.Ticks));
    }

    private void Store(string client, Bucket bucket, DateTimeOffset now)
    {
        if (bucket.Tokens >= _options.Burst)
        {
            _buckets.Remove(client);
            return;
        }

        if (!_buckets.ContainsKey(client) && _buckets.Count >= _options.MaxClients)
        {
            MakeRoom(now);
        }

        _buckets[client] = bucket;
    }

    /// <summary>Drops the buckets that have refilled, and if none had, the one quiet the longest.</summary>
    private void MakeRoom(DateTimeOffset now)
    {
        var full = _buckets.Where(b => Refilled(b.Key, now, out _) >= _options.Burst).Select(b => b.Key).ToList();
        foreach (var client in full)
        {
            _buckets.Remove(client);
        }

        if (_buckets.Count >= _options.MaxClients)
        {
            _buckets.Remove(_buckets.MinBy(b => b.Value.CountedAt).Key);
        }
    }

    private static LoginThrottleOptions Validate(LoginThrottleOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Burst);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxClients);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Refill, TimeSpan.Zero);
        return options;
    }

    private readonly record struct Bucket(double Tokens, DateTimeOffset CountedAt);
}
