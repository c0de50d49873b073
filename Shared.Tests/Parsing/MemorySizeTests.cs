using ClusterKit.Shared.Parsing;

namespace ClusterKit.Shared.Tests.Parsing;

public sealed class MemorySizeTests
{
    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("512k", 512L * 1024)]
    [InlineData("64m", 64L << 20)]
    [InlineData("20M", 20L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("8g", 8L << 30)]
    [InlineData("100b", 100L)]
    [InlineData("64mb", 64L << 20)]
    public void Parses_docker_style_sizes(string text, long bytes) => Assert.Equal(bytes, MemorySize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("12x")]
    [InlineData("-5m")]
    [InlineData("m")]
    [InlineData("1.2.3g")]
    public void Rejects_malformed_sizes_naming_the_value(string text)
    {
        var error = Assert.Throws<SpecFormatException>(() => MemorySize.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("b, k, m, g", error.Message, StringComparison.Ordinal);
    }
}
