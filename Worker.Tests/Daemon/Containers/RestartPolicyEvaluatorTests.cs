using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Containers;

namespace ClusterKit.Worker.Tests.Containers;

public sealed class RestartPolicyEvaluatorTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData("no", 1, false)]
    [InlineData("always", 0, true)]
    [InlineData("always", 1, true)]
    [InlineData("unless-stopped", 0, true)]
    [InlineData("on-failure", 0, false)]
    [InlineData("on-failure", 2, true)]
    public void Policy_and_exit_code_decide(string policy, int exitCode, bool restart) =>
        Assert.Equal(restart, RestartPolicyEvaluator.Decide(new RestartPolicy { Name = policy }, exitCode, 0, false, Short).Restart);

    [Fact]
    public void On_failure_stops_after_its_retry_count()
    {
        var policy = new RestartPolicy { Name = "on-failure", MaxRetries = 3 };
        Assert.True(RestartPolicyEvaluator.Decide(policy, 1, 2, false, Short).Restart);
        Assert.False(RestartPolicyEvaluator.Decide(policy, 1, 3, false, Short).Restart);
    }

    [Fact]
    public void A_container_stopped_by_a_person_stays_down() =>
        Assert.False(RestartPolicyEvaluator.Decide(new RestartPolicy { Name = "always" }, 137, 0, true, Short).Restart);

    [Fact]
    public void Back_off_doubles_and_resets_after_a_stable_run()
    {
        var always = new RestartPolicy { Name = "always" };
        Assert.Equal(TimeSpan.FromMilliseconds(100), RestartPolicyEvaluator.Decide(always, 1, 0, false, Short).Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(800), RestartPolicyEvaluator.Decide(always, 1, 3, false, Short).Delay);
        Assert.Equal(TimeSpan.FromMinutes(1), RestartPolicyEvaluator.Decide(always, 1, 15, false, Short).Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(100), RestartPolicyEvaluator.Decide(always, 1, 15, false, TimeSpan.FromSeconds(30)).Delay);
    }
}
