using System.Net.Sockets;

namespace ClusterKit.Worker.Hosting;

/// <summary>Tells a live worker's socket from a stale file a killed one left behind.</summary>
internal static class SocketProbe
{
    public static bool IsListening(string socket)
    {
        if (!File.Exists(socket))
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
