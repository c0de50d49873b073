namespace ClusterKit.Manager.Host.Logging;

/// <summary>
/// Lets one log line of a kind through per window and counts the rest, so that a peer that stays down is reported
/// every <see cref="Window"/> with a count instead of several times a second. Thread-safe.
/// </summary>
internal sealed class RepeatGate(TimeSpan window, TimeProvider time)
{
    private readonly Dictionary<string, (DateTimeOffset Opened, int Suppressed)> _kinds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public TimeSpan Window { get; } = window > TimeSpan.Zero
        ? window
        : throw new ArgumentOutOfRangeException(nameof(window), window, "the window must be positive");

    /// <summary>
    /// True when a line of <paramref name="kind"/> may be written now; <paramref name="suppressed"/> is then how many
    /// were held back since the last one written.
    /// </summary>
    public bool TryPass(string kind, out int suppressed)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_kinds.TryGetValue(kind, out var seen) && now - seen.Opened < Window)
            {
                _kinds[kind] = (seen.Opened, seen.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            suppressed = seen.Suppressed;
            _kinds[kind] = (now, 0);
            return true;
        }
    }
}
