using System.Net.Sockets;
using ClusterKit.Manager.Host.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Host.Logging;

public sealed class PeerFailureLoggerProviderTests
{
    private const string RaftCategory = "DotNext.Net.Cluster.Consensus.Raft.RaftCluster";

    [Fact]
    public void A_peer_connection_failure_is_one_line_without_the_trace()
    {
        var (provider, lines, _) = Create();
        provider.CreateLogger(RaftCategory).LogWarning(Thrown(new SocketException((int)SocketError.ConnectionRefused)), "Cluster member {Member} is unavailable", "10.0.0.2:4001");

        var line = Assert.Single(lines);
        Assert.Equal("Cluster member 10.0.0.2:4001 is unavailable (SocketException: Connection refused)", line.Message);
        Assert.Null(line.Exception);
    }

    [Fact]
    public void Repeats_are_held_back_for_the_window_then_written_with_their_count()
    {
        var (provider, lines, time) = Create();
        var logger = provider.CreateLogger(RaftCategory);
        for (var i = 0; i < 50; i++)
        {
            logger.LogWarning(Thrown(new SocketException((int)SocketError.ConnectionRefused)), "Cluster member {Member} is unavailable", "10.0.0.2:4001");
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // Another peer is another line.
        logger.LogWarning(Thrown(new SocketException((int)SocketError.ConnectionRefused)), "Cluster member {Member} is unavailable", "10.0.0.3:4001");
        time.Advance(PeerFailureLoggerProvider.RepeatWindow);
        logger.LogWarning(Thrown(new SocketException((int)SocketError.ConnectionRefused)), "Cluster member {Member} is unavailable", "10.0.0.2:4001");

        Assert.Equal(3, lines.Count);
        Assert.EndsWith("unavailable (SocketException: Connection refused)", lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("10.0.0.3:4001", lines[1].Message, StringComparison.Ordinal);
        Assert.EndsWith("; 49 more like this in the last 30 s", lines[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_errors_and_other_categories_pass_unchanged_with_their_exception()
    {
        var (provider, lines, _) = Create();
        var failure = Thrown(new InvalidOperationException("state machine broke"));
        provider.CreateLogger(RaftCategory).LogError(failure, "apply failed");
        var refused = Thrown(new SocketException((int)SocketError.ConnectionRefused));
        provider.CreateLogger("ClusterKit.Manager.Dispatcher.Sessions").LogWarning(refused, "worker gone");
        provider.CreateLogger("ClusterKit.Manager.Dispatcher.Sessions").LogWarning(refused, "worker gone");

        Assert.Equal(3, lines.Count);
        Assert.Same(failure, lines[0].Exception);
        Assert.Same(refused, lines[1].Exception);
        Assert.Same(refused, lines[2].Exception);
    }

    [Fact]
    public void A_wrapped_socket_error_counts_as_a_connection_failure()
    {
        var wrapped = new InvalidOperationException("request failed", new SocketException((int)SocketError.TimedOut));
        Assert.IsType<SocketException>(PeerFailureLoggerProvider.ConnectionFailure(wrapped));
        Assert.Null(PeerFailureLoggerProvider.ConnectionFailure(new InvalidOperationException("no")));
    }

    private static Exception Thrown(Exception error)
    {
        try
        {
            throw error;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static (PeerFailureLoggerProvider Provider, List<Written> Lines, FakeTimeProvider Time) Create()
    {
        var lines = new List<Written>();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        return (new PeerFailureLoggerProvider(new ListProvider(lines), time), lines, time);
    }

    private sealed record Written(string Category, string Message, Exception? Exception);

    private sealed class ListProvider(List<Written> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(string category, List<Written> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add(new Written(category, formatter(state, exception), exception));
    }
}
