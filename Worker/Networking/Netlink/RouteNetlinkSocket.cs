using ClusterKit.Worker.Host;
using Microsoft.Win32.SafeHandles;

namespace ClusterKit.Worker.Networking.Netlink;

/// <summary>
/// An rtnetlink socket in one network namespace (the one of the thread that opened it). Requests
/// ask for an ack; several can go in one send and are answered in order.
/// </summary>
internal sealed class RouteNetlinkSocket : IDisposable
{
    private const int ReceiveBufferSize = 32 * 1024;

    private readonly ISystemCalls _systemCalls;
    private readonly SafeFileHandle _socket;
    private readonly byte[] _buffer = new byte[ReceiveBufferSize];
    private uint _sequence;

    public RouteNetlinkSocket(ISystemCalls systemCalls)
    {
        _systemCalls = systemCalls;
        _socket = systemCalls.OpenRouteNetlinkSocket();
    }

    public uint NextSequence() => ++_sequence;

    /// <summary>The index of a link by name, or null when there is none.</summary>
    public int? FindInterfaceIndex(string name)
    {
        var sequence = NextSequence();
        var request = new NetlinkMessage(RtNetlink.GetLink, RtNetlink.FlagRequest, sequence)
            .InterfaceInfo(RtNetlink.AfUnspec, 0, 0, 0)
            .Attribute(RtNetlink.LinkName, name)
            .ToArray();
        _systemCalls.SendNetlink(_socket, request);
        while (true)
        {
            foreach (var reply in Receive())
            {
                if (reply.Sequence != sequence)
                {
                    continue;
                }

                if (reply.Type == RtNetlink.NewLink)
                {
                    return reply.InterfaceIndex;
                }

                if (reply.Type == RtNetlink.Error)
                {
                    return reply.Errno switch
                    {
                        RtNetlink.NoSuchDevice => null,
                        0 => throw new NetworkingException($"rtnetlink answered 'get link {name}' with an ack instead of the link"),
                        _ => throw new KernelCallException("rtnetlink", "get link " + name, reply.Errno),
                    };
                }
            }
        }
    }

    /// <summary>Sends the requests in one datagram and waits for each ack; the first error names its request.</summary>
    public void Execute(IReadOnlyList<(string What, byte[] Message)> requests)
    {
        var total = requests.Sum(r => r.Message.Length);
        var datagram = new byte[total];
        var offset = 0;
        var pending = new HashSet<uint>();
        foreach (var (_, message) in requests)
        {
            message.CopyTo(datagram, offset);
            offset += message.Length;
            pending.Add(BitConverter.ToUInt32(message, 8));
        }

        // The kernel answers every message of the datagram, failed or not; report the first failure.
        var errors = new Dictionary<uint, int>();
        _systemCalls.SendNetlink(_socket, datagram);
        while (pending.Count > 0)
        {
            foreach (var reply in Receive())
            {
                if (reply.Type == RtNetlink.Error && pending.Remove(reply.Sequence) && reply.Errno != 0)
                {
                    errors[reply.Sequence] = reply.Errno;
                }
            }
        }

        foreach (var (what, message) in requests)
        {
            if (errors.TryGetValue(BitConverter.ToUInt32(message, 8), out var errno))
            {
                throw new KernelCallException("rtnetlink", what, errno);
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    private List<NetlinkReply> Receive()
    {
        var length = _systemCalls.ReceiveNetlink(_socket, _buffer);
        if (length == 0)
        {
            throw new NetworkingException("rtnetlink socket returned no data");
        }

        return NetlinkReply.Parse(_buffer.AsSpan(0, length));
    }
}
