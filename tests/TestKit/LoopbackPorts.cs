using System.Net;
using System.Net.Sockets;

namespace ClusterKit.TestKit;

/// <summary>Ports for servers a test or bench starts on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free on this host's loopback just now (the kernel's pick for a listener bound to port 0).</summary>
    public static int Free() => Free(1)[0];

    /// <summary>
    /// <paramref name="count"/> distinct ports free on this host's loopback just now: every listener stays bound
    /// until all are picked, so the kernel cannot hand out one port twice.
    /// </summary>
    public static int[] Free(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }
}
