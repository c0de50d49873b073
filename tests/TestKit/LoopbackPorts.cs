using System.Net;
using System.Net.Sockets;

namespace ClusterKit.TestKit;

/// <summary>Ports for servers a test or bench starts on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free on this host's loopback just now (the kernel's pick for a listener bound to port 0).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
