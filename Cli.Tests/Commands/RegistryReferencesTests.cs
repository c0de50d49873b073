using ClusterKit.Cli.Commands;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Commands;

public sealed class RegistryReferencesTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("busybox", "10.0.0.1:5000", "10.0.0.1:5000/library/busybox")]
    [InlineData("busybox:1.36", "10.0.0.1:5000", "10.0.0.1:5000/library/busybox:1.36")]
    [InlineData("team/app:2", "reg.local:5000", "reg.local:5000/team/app:2")]
    [InlineData("old.host:5000/team/app:2", "127.0.0.1:5001", "127.0.0.1:5001/team/app:2")]
    [InlineData("localhost/app", "127.0.0.1:5001", "127.0.0.1:5001/library/app")]
    [InlineData("app@sha256:" + Hex, "127.0.0.1:5001/", "127.0.0.1:5001/library/app@sha256:" + Hex)]
    [InlineData("  [::1]:5000/team/app:2 ", "127.0.0.1:5001", "127.0.0.1:5001/team/app:2")]
    [InlineData("app@sha256:abc", null, "app@sha256:abc")]
    [InlineData("127.0.0.1:5000/team/app:2", null, "127.0.0.1:5000/team/app:2")]
    public void The_registry_option_replaces_the_reference_s_registry(string reference, string? registry, string expected) =>
        Assert.Equal(expected, RegistryReferences.On(reference, registry));

    [Theory]
    [InlineData("Busybox", "repository names must be lowercase")]
    [InlineData("app@sha256:abc", "the digest must be sha256:")]
    [InlineData("a/../b", "path component '..' is not allowed")]
    public void A_bad_reference_is_one_line_naming_it_and_what_is_wrong(string reference, string why)
    {
        var error = Assert.Throws<SpecFormatException>(() => RegistryReferences.On(reference, "127.0.0.1:5001"));

        Assert.StartsWith($"invalid reference '{reference}': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("busybox", "library/busybox")]
    [InlineData("busybox:1.36", "library/busybox")]
    [InlineData("team/app:2", "team/app")]
    [InlineData("team/app@sha256:" + Hex, "team/app")]
    [InlineData("127.0.0.1:5000/team/app:2", null)]
    [InlineData("reg.local/app", null)]
    [InlineData("localhost/app", null)]
    public void A_reference_without_a_host_names_a_cluster_registry_repository(string reference, string? expected) =>
        Assert.Equal(expected, RegistryReferences.ClusterRepository(reference));
}
