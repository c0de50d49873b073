namespace ClusterKit.Worker.Cgroups.Tests;

public sealed class ResourceQuantityTests
{
    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("1024b", 1024)]
    [InlineData("512k", 512 * 1024)]
    [InlineData("512K", 512 * 1024)]
    [InlineData("64m", 64L << 20)]
    [InlineData("64MB", 64L << 20)]
    [InlineData("64mib", 64L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("2G", 2L << 30)]
    [InlineData("1t", 1L << 40)]
    [InlineData(" 16m ", 16L << 20)]
    [InlineData("0", 0)]
    [InlineData("0.5k", 512)]
    public void Parses_memory_with_units(string text, long bytes) => Assert.Equal(bytes, ResourceQuantity.ParseMemoryBytes(text));

    [Theory]
    [InlineData("12x")]
    [InlineData("")]
    [InlineData("-1m")]
    [InlineData("m")]
    [InlineData("1.m")]
    [InlineData("1e3")]
    [InlineData("1,5g")]
    [InlineData("64 m")]
    [InlineData("1bb")]
    public void Rejects_malformed_memory_with_a_clear_error(string text)
    {
        var error = Assert.Throws<InvalidResourceLimitException>(() => ResourceQuantity.ParseMemoryBytes(text));

        Assert.Equal($"invalid memory '{text}': use a number with an optional unit b, k, m, g or t (e.g. 512k, 64m, 1.5g)", error.Message);
        Assert.Equal("memory", error.Limit);
    }

    [Fact]
    public void Rejects_memory_beyond_what_a_long_holds()
    {
        var error = Assert.Throws<InvalidResourceLimitException>(() => ResourceQuantity.ParseMemoryBytes("9000000t"));

        Assert.Contains("larger than 9223372036854775807 bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.5", 500_000_000)]
    [InlineData("2", 2_000_000_000)]
    [InlineData("1.25", 1_250_000_000)]
    [InlineData("0.01", 10_000_000)]
    [InlineData("0.000000001", 1)]
    [InlineData("0", 0)]
    public void Parses_cpus_into_nano_cpus(string text, long nanoCpus) => Assert.Equal(nanoCpus, ResourceQuantity.ParseNanoCpus(text));

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("0.5c")]
    [InlineData("0.0000000001")]
    [InlineData("")]
    [InlineData(".5")]
    public void Rejects_malformed_cpus(string text)
    {
        var error = Assert.Throws<InvalidResourceLimitException>(() => ResourceQuantity.ParseNanoCpus(text));

        Assert.StartsWith($"invalid cpus '{text}': use a decimal number of CPUs such as 0.5 or 2", error.Message, StringComparison.Ordinal);
    }
}
