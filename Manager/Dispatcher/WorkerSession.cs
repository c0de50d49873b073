using System.Threading.Channels;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// One worker's live stream on the leader. Messages to the worker go through an outbox
/// because a gRPC response stream takes one writer at a time.
/// </summary>
internal sealed class WorkerSession : IDisposable
{
    private readonly Channel<ManagerMessage> _outbox = Channel.CreateUnbounded<ManagerMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _ending;

    public WorkerSession(string sessionId, string nodeId, string address, CancellationToken callToken)
    {
        SessionId = sessionId;
        NodeId = nodeId;
        Address = address;
        _ending = CancellationTokenSource.CreateLinkedTokenSource(callToken);
    }

    public string SessionId { get; }

    public string NodeId { get; }

    public string Address { get; }

    /// <summary>Cancelled when the worker goes away or the manager ends the session.</summary>
    public CancellationToken Ending => _ending.Token;

    public ChannelReader<ManagerMessage> Outbox => _outbox.Reader;

    public bool Push(ManagerMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>Ends the session from the manager's side, after a last message (a redirect) if given.</summary>
    public void End(ManagerMessage? last)
    {
        if (last is not null)
        {
            _outbox.Writer.TryWrite(last);
        }

        _outbox.Writer.TryComplete();
        try
        {
            _ending.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call finished on its own meanwhile.
        }
    }

    /// <summary>No more messages will be queued (the call is finishing).</summary>
    public void CompleteOutbox() => _outbox.Writer.TryComplete();

    public void Dispose() => _ending.Dispose();
}
