using ClusterKit.Cli.Commands;

namespace ClusterKit.Cli.Tests.Commands;

public sealed class RegistryReferencesTests
{
    [Theory]
    [InlineData("busybox", "10.0.0.1:5000", "10.0.0.1:5000/library/busybox")]
    [InlineData("busybox:1.36", "10.0.0.1:5000", "10.0.0.1:5000/library/busybox:1.36")]
    [InlineData("team/app:2", "reg.local:5000", "reg.local:5000/team/app:2")]
    [InlineData("old.host:5000/team/app:2", "127.0.0.1:5001", "127.0.0.1:5001/team/app:2")]
    [InlineData("localhost/app", "127.0.0.1:5001", "127.0.0.1:5001/library/app")]
    [InlineData("app@sha256:abc", "127.0.0.1:5001/", "127.0.0.1:5001/library/app@sha256:abc")]
    [InlineData("127.0.0.1:5000/team/app:2", null, "127.0.0.1:5000/team/app:2")]
    public void The_registry_option_replaces_the_reference_s_registry(string reference, string? registry, string expected) =>
        Assert.Equal(expected, RegistryReferences.On(reference, registry));

    [Theory]
    [InlineData("busybox", "library/busybox")]
    [InlineData("busybox:1.36", "library/busybox")]
    [InlineData("team/app:2", "team/app")]
    [InlineData("team/app@sha256:abc", "team/app")]
    [InlineData("127.0.0.1:5000/team/app:2", null)]
    [InlineData("reg.local/app", null)]
    [InlineData("localhost/app", null)]
    public void A_reference_without_a_host_names_a_cluster_registry_repository(string reference, string? expected) =>
        Assert.Equal(expected, RegistryReferences.ClusterRepository(reference));
}
