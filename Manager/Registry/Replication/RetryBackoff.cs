using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>Per blob: how often its copy failed and when to try again (doubling from a base delay up to a cap).</summary>
public sealed class RetryBackoff(TimeSpan baseDelay, TimeSpan maxDelay)
{
    private readonly Dictionary<Digest, (int Failures, DateTimeOffset NextTry)> _failed = [];

    /// <summary>The earliest retry of any failed blob, or null when none failed.</summary>
    public DateTimeOffset? NextRetry => _failed.Count == 0 ? null : _failed.Values.Min(e => e.NextTry);

    public bool IsDue(Digest digest, DateTimeOffset now) => !_failed.TryGetValue(digest, out var entry) || entry.NextTry <= now;

    public TimeSpan Failed(Digest digest, DateTimeOffset now)
    {
        var failures = _failed.TryGetValue(digest, out var entry) ? entry.Failures + 1 : 1;
        var delay = Delay(failures);
        _failed[digest] = (failures, now + delay);
        return delay;
    }

    public void Succeeded(Digest digest) => _failed.Remove(digest);

    /// <summary>Forgets blobs that are no longer to be copied (collected, or copied by another path).</summary>
    public void Keep(IEnumerable<Digest> pending)
    {
        var keep = pending.ToHashSet();
        foreach (var digest in _failed.Keys.Where(d => !keep.Contains(d)).ToList())
        {
            _failed.Remove(digest);
        }
    }

    public TimeSpan Delay(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var ticks = Math.Min((double)baseDelay.Ticks * Math.Pow(2, exponent), maxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
