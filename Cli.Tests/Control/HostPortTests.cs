using ClusterKit.Cli.Control;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Control;

public sealed class HostPortTests
{
    [Theory]
    [InlineData("10.0.0.1:4243")]
    [InlineData("manager-1.lab:1")]
    [InlineData("[fd00::1]:65535")]
    [InlineData("localhost:4243")]
    public void Valid_addresses_are_kept_as_written(string text)
    {
        Assert.True(HostPort.TryParse(text, "--host", out var address, out var error));
        Assert.Equal(text, address);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("10.0.0.1", "has no port")]
    [InlineData("10.0.0.1:", "has no port")]
    [InlineData(":4243", "has no port")]
    [InlineData("10.0.0.1:0", "has port '0'")]
    [InlineData("10.0.0.1:65536", "has port '65536'")]
    [InlineData("10.0.0.1:http", "has port 'http'")]
    [InlineData("fd00::1:4243", "IPv6 address without brackets")]
    [InlineData("[10.0.0.1]:4243", "not a bracketed IPv6 address")]
    [InlineData("bad host:4243", "not a host name or IPv4 address")]
    public void Invalid_addresses_name_the_flag_the_value_and_what_is_allowed(string text, string problem)
    {
        var error = Assert.Throws<SpecFormatException>(() => HostPort.Parse(text, "--host"));

        Assert.StartsWith($"--host '{text}' ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("allowed: HOST:PORT", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }
}
