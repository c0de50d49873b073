using ClusterKit.Manager.Registry.Auth;

namespace ClusterKit.Manager.Tests.Registry.Auth;

public sealed class RegistryChallengeTests
{
    [Fact]
    public void The_challenge_names_the_token_endpoint_on_the_same_manager_the_service_and_the_scope()
    {
        var scope = RegistryScope.Parse("repository:library/busybox:pull,push");

        Assert.Equal(
            "Bearer realm=\"https://10.0.0.1:4243/v2/token\",service=\"clusterkit\",scope=\"repository:library/busybox:pull,push\"",
            RegistryChallenge.Bearer("10.0.0.1:4243", scope));
        Assert.Equal(
            "Bearer realm=\"https://m1:4243/v2/token\",service=\"clusterkit\",error=\"invalid_token\"",
            RegistryChallenge.Bearer("m1:4243", null, "invalid_token"));
    }

    [Fact]
    public void A_host_that_would_break_the_header_is_refused() =>
        Assert.Throws<ArgumentException>(() => RegistryChallenge.Bearer("evil\",x=\"", null));
}
