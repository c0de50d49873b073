using ClusterKit.Worker.Containers;

namespace ClusterKit.Worker.Tests.Containers;

public sealed class SignalsTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGTERM", 15)]
    [InlineData("sighup", 1)]
    [InlineData("10", 10)]
    public void Names_and_numbers(string text, int signal) => Assert.Equal(signal, Signals.Parse(text));

    [Theory]
    [InlineData("SIGFOO")]
    [InlineData("0")]
    [InlineData("99")]
    [InlineData("")]
    public void Unknown_signals_are_refused_with_what_is_allowed(string text) =>
        Assert.Contains("TERM, KILL", Assert.Throws<ArgumentException>(() => Signals.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Names_round_trip() => Assert.Equal("SIGTERM", Signals.Name(15));
}
