using System.Net;
using System.Net.Sockets;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// Probes host ports by binding them briefly. When the host's network namespace is not the
/// worker's own (tests, `ck lab`), the binds run on a short-lived thread that entered it:
/// network namespaces are per thread, and a socket belongs to the namespace it was made in.
/// </summary>
public sealed class SocketPortProbe : IHostPortProbe
{
    private const ProtocolType Sctp = (ProtocolType)132;

    private readonly ISystemCalls _systemCalls;
    private readonly string? _networkNamespacePath;

    public SocketPortProbe(ISystemCalls systemCalls, string? networkNamespacePath = null)
    {
        _systemCalls = systemCalls;
        _networkNamespacePath = networkNamespacePath;
    }

    public IReadOnlyList<HostPortState> Probe(IReadOnlyList<PortMapping> ports)
    {
        if (ports.Count == 0)
        {
            return [];
        }

        if (_networkNamespacePath is null)
        {
            return ProbeHere(ports);
        }

        IReadOnlyList<HostPortState> states = [];
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                _systemCalls.EnterNetworkNamespace(_networkNamespacePath);
                states = ProbeHere(ports);
            }
            catch (Exception error)
            {
                // Anything escaping a thread would end the process; hand it to the caller instead.
                failure = error;
            }
        })
        {
            IsBackground = true,
            Name = "ck-port-probe",
        };
        thread.Start();
        thread.Join();
        return failure is null
            ? states
            : throw new NetworkingException($"could not probe host ports in network namespace {_networkNamespacePath}: {failure.Message}", failure);
    }

    private static HostPortState[] ProbeHere(IReadOnlyList<PortMapping> ports) => [.. ports.Select(ProbeOne)];

    private static HostPortState ProbeOne(PortMapping port)
    {
        var (type, protocol) = port.Protocol switch
        {
            TransportProtocol.Udp => (SocketType.Dgram, ProtocolType.Udp),
            TransportProtocol.Sctp => (SocketType.Stream, Sctp),
            _ => (SocketType.Stream, ProtocolType.Tcp),
        };

        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        }
        catch (SocketException error) when (error.SocketErrorCode is SocketError.ProtocolNotSupported or SocketError.SocketNotSupported)
        {
            // No SCTP in this kernel: nothing can be listening on an SCTP port either.
            return HostPortState.Free;
        }

        using (socket)
        {
            try
            {
                socket.Bind(new IPEndPoint(port.HostAddress ?? IPAddress.Any, port.HostPort));
                return HostPortState.Free;
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return HostPortState.InUse;
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                return HostPortState.AddressNotLocal;
            }
        }
    }
}
