using ClusterKit.Proto.Worker.V1;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// Decides whether an exited container comes back and after how long. Docker's rules: `always`
/// and `unless-stopped` restart whatever the exit code, `on-failure[:N]` only on a non-zero
/// exit and at most N times; a container stopped by a person stays down. The delay doubles
/// from 100 ms up to a minute and resets once a run lasted ten seconds.
/// </summary>
public static class RestartPolicyEvaluator
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StableRun = TimeSpan.FromSeconds(10);

    public static RestartDecision Decide(RestartPolicy? policy, int exitCode, int restartCount, bool stoppedByUser, TimeSpan lastRunDuration)
    {
        var name = string.IsNullOrEmpty(policy?.Name) ? "no" : policy.Name;
        if (stoppedByUser || name == "no")
        {
            return RestartDecision.Stay;
        }

        if (name == "on-failure")
        {
            if (exitCode == 0)
            {
                return RestartDecision.Stay;
            }

            if (policy!.MaxRetries > 0 && restartCount >= policy.MaxRetries)
            {
                return RestartDecision.Stay;
            }
        }

        // Reset the back-off after a run that was stable; otherwise double per consecutive failure.
        var attempt = lastRunDuration >= StableRun ? 0 : Math.Min(restartCount, 20);
        var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << attempt));
        return new RestartDecision(true, delay);
    }
}

public sealed record RestartDecision(bool Restart, TimeSpan Delay)
{
    public static RestartDecision Stay { get; } = new(false, TimeSpan.Zero);
}
