namespace ClusterKit.Worker.Images.Distribution;

/// <summary>How a push waits out a registry that answers 503 (a manager during a failover, or acknowledging a manifest).</summary>
public sealed record RegistryRetryOptions
{
    /// <summary>The wait before the first retry on the same registry address; it doubles per retry.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two retries.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long after its first 503 one push keeps retrying on the same address (the clock runs over the waits and the
    /// requests); past it each remaining address gets one attempt.
    /// </summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>The back-off schedule, without a clock: the wait before retry <c>n</c>, and whether the budget still allows it.</summary>
internal static class RegistryRetry
{
    /// <summary>FirstDelay · 2^(retry-1), at most MaxDelay; <paramref name="retry"/> counts from 1.</summary>
    public static TimeSpan Delay(RegistryRetryOptions options, int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var doublings = Math.Min(retry - 1, 30);
        var ticks = Math.Min(options.FirstDelay.Ticks * (double)(1L << doublings), options.MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait before retry <paramref name="retry"/>, or null when it would end past the budget (<paramref name="elapsed"/> since the first 503).</summary>
    public static TimeSpan? NextWait(RegistryRetryOptions options, int retry, TimeSpan elapsed)
    {
        var delay = Delay(options, retry);
        return elapsed + delay <= options.Budget ? delay : null;
    }

    /// <summary>True for an answer that says "retry later" from a registry that is alive: 503 (UNAVAILABLE).</summary>
    public static bool IsUnavailable(RegistryException error) => error.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable;
}
