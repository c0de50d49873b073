using ClusterKit.Worker.Session;

namespace ClusterKit.Worker.Tests.Session;

public sealed class ManagerAddressesTests
{
    [Fact]
    public void A_list_is_split_trimmed_canonical_and_without_repeats()
        => Assert.Equal(
            ["10.0.0.1:4243", "mgr-2.example:4243", "[::1]:4243"],
            ManagerAddresses.Parse("--manager", " 10.0.0.1:4243, mgr-2.example:4243,[0:0::1]:4243,10.0.0.1:4243"));

    [Theory]
    [InlineData("10.0.0.1", "--manager '10.0.0.1' (in '10.0.0.1') is not HOST:PORT; allowed: HOST:PORT[,HOST:PORT...]")]
    [InlineData("10.0.0.1:0", "--manager '10.0.0.1:0' (in '10.0.0.1:0') is not HOST:PORT;")]
    [InlineData("10.0.0.1:65536", "--manager '10.0.0.1:65536' (in '10.0.0.1:65536') is not HOST:PORT;")]
    [InlineData("a:1,,b:2", "--manager '' (in 'a:1,,b:2') is not HOST:PORT;")]
    [InlineData("::1:4243", "--manager '::1:4243' (in '::1:4243') is not HOST:PORT;")]
    [InlineData("[nothost]:4243", "--manager '[nothost]:4243' (in '[nothost]:4243') is not HOST:PORT;")]
    [InlineData("bad host:4243", "--manager 'bad host:4243' (in 'bad host:4243') is not HOST:PORT;")]
    [InlineData("  ", "--manager is empty; allowed: HOST:PORT[,HOST:PORT...]")]
    public void A_bad_address_is_named_with_what_is_allowed(string text, string start)
    {
        var e = Assert.Throws<ArgumentException>(() => ManagerAddresses.Parse("--manager", text));
        Assert.StartsWith(start, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
