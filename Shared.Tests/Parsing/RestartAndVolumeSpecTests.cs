using ClusterKit.Shared.Parsing;

namespace ClusterKit.Shared.Tests.Parsing;

public sealed class RestartAndVolumeSpecTests
{
    [Theory]
    [InlineData("no", "no", 0)]
    [InlineData("always", "always", 0)]
    [InlineData("on-failure", "on-failure", 0)]
    [InlineData("on-failure:3", "on-failure", 3)]
    [InlineData("unless-stopped", "unless-stopped", 0)]
    public void Restart_policies(string text, string name, int retries) =>
        Assert.Equal(new RestartPolicyValue(name, retries), RestartPolicySpec.Parse(text));

    [Theory]
    [InlineData("sometimes")]
    [InlineData("always:3")]
    [InlineData("on-failure:x")]
    public void Bad_restart_policies_list_what_is_allowed(string text) =>
        Assert.Contains("no, on-failure[:N], always", Assert.Throws<SpecFormatException>(() => RestartPolicySpec.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Read_only_bind() => Assert.Equal(new BindVolume("/srv/data", "/data", true), VolumeSpec.Parse("/srv/data:/data:ro"));

    [Theory]
    [InlineData("data:/data")]
    [InlineData("/a:/b:rx")]
    [InlineData("/a")]
    [InlineData("/a:/b/../c")]
    public void Bad_volumes(string text) =>
        Assert.Contains($"'{text}'", Assert.Throws<SpecFormatException>(() => VolumeSpec.Parse(text)).Message, StringComparison.Ordinal);
}
