using System.Net.Sockets;

namespace ClusterKit.Manager.Host.Logging;

/// <summary>
/// Wraps the console provider for Raft's own log lines. DotNext logs every failed request to an unreachable
/// manager as a warning with the whole stack trace, several times a second per peer: a manager down for an hour
/// would write tens of megabytes. Here a connection failure becomes one line (the message and the error, no trace)
/// and repeats of the same line are held back for <see cref="RepeatWindow"/>, then written with their count.
/// Everything else passes unchanged.
/// </summary>
internal sealed class PeerFailureLoggerProvider(ILoggerProvider inner, TimeProvider time) : ILoggerProvider
{
    public const string RaftCategoryPrefix = "DotNext.Net.Cluster";

    public static readonly TimeSpan RepeatWindow = TimeSpan.FromSeconds(30);

    private readonly RepeatGate _gate = new(RepeatWindow, time);

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(RaftCategoryPrefix, StringComparison.Ordinal) ? new PeerFailureLogger(logger, categoryName, _gate) : logger;
    }

    public void Dispose() => inner.Dispose();

    /// <summary>A failure to reach a peer: the socket error (possibly wrapped), a timeout or an I/O error on the connection.</summary>
    internal static Exception? ConnectionFailure(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException or TimeoutException or IOException)
            {
                return e;
            }
        }

        return null;
    }

    private sealed class PeerFailureLogger(ILogger inner, string category, RepeatGate gate) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (ConnectionFailure(exception) is not { } failure || !inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var message = formatter(state, exception);
            if (!gate.TryPass(category + "\n" + eventId.Id + "\n" + message, out var suppressed))
            {
                return;
            }

            var line = $"{message} ({failure.GetType().Name}: {failure.Message})" +
                (suppressed > 0 ? $"; {suppressed} more like this in the last {RepeatWindow.TotalSeconds:0} s" : string.Empty);
            inner.Log(logLevel, eventId, line, null, static (text, _) => text);
        }
    }
}
