using ClusterKit.Proto.Manager.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Tests.Dispatcher;

/// <summary>
/// The dispatcher protocol spoken by hand, so a test controls every heartbeat (a worker
/// that stays connected but falls silent, a second session with the same id).
/// </summary>
internal sealed class RawSession : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CancellationTokenSource _cancel = new();
    private readonly AsyncDuplexStreamingCall<WorkerMessage, ManagerMessage> _call;

    public RawSession(string apiAddress)
    {
        _channel = GrpcChannel.ForAddress("http://" + apiAddress);
        _call = new Proto.Manager.V1.Dispatcher.DispatcherClient(_channel).Session(cancellationToken: _cancel.Token);
    }

    public string? SessionId { get; private set; }

    public static NodeDescription Description(string hostname) => new()
    {
        Hostname = hostname,
        Platform = new Platform { Os = "linux", Architecture = "x86_64" },
        Resources = new Resources { NanoCpus = 3_000_000_000, MemoryBytes = 5L << 30, Pids = 4096 },
        EngineVersion = "test-engine 1.0",
        EngineLabels = { ["rack"] = "r1" },
    };

    /// <summary>Sends the register message and returns the manager's first answer.</summary>
    public async Task<ManagerMessage> RegisterAsync(string nodeId, string hostname)
    {
        await _call.RequestStream.WriteAsync(new WorkerMessage { Register = new RegisterNode { NodeId = nodeId, Description = Description(hostname) } });
        var first = await ReadAsync(TimeSpan.FromSeconds(15)) ?? throw new InvalidOperationException("the manager ended the stream without an answer");
        if (first.MessageCase == ManagerMessage.MessageOneofCase.Accepted)
        {
            SessionId = first.Accepted.SessionId;
        }

        return first;
    }

    public Task HeartbeatAsync() => _call.RequestStream.WriteAsync(new WorkerMessage { Heartbeat = new Heartbeat { SessionId = SessionId ?? string.Empty } });

    /// <summary>The next message, or null when the stream ended.</summary>
    public async Task<ManagerMessage?> ReadAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        return await _call.ResponseStream.MoveNext(limit.Token) ? _call.ResponseStream.Current : null;
    }

    /// <summary>Reads until a message of the given kind arrives.</summary>
    public async Task<ManagerMessage> ReadUntilAsync(ManagerMessage.MessageOneofCase kind, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var message = await ReadAsync(until - DateTime.UtcNow) ?? throw new InvalidOperationException($"the stream ended before a {kind} message");
            if (message.MessageCase == kind)
            {
                return message;
            }
        }

        throw new TimeoutException($"no {kind} message within {timeout.TotalSeconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        _call.Dispose();
        _cancel.Dispose();
        _channel.Dispose();
    }
}
