using System.Diagnostics;
using System.Globalization;
using System.Net;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>The bind probe, run inside a namespace of the test's own where a busybox nc holds ports.</summary>
public sealed class SocketPortProbeTests : IAsyncLifetime
{
    private HostNamespace _host = null!;
    private readonly List<Process> _listeners = [];

    public async Task InitializeAsync() => _host = await HostNamespace.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill();
            await listener.WaitForExitAsync();
            listener.Dispose();
        }

        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Reports_tcp_and_udp_ports_held_in_the_namespace_and_free_ones()
    {
        await HoldAsync(18090, "tcp", "busybox", "nc", "-l", "-p", "18090");

        // busybox nc has no UDP mode.
        await HoldAsync(18091, "udp", "python3", "-c", "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 18091)); time.sleep(120)");
        var probe = new SocketPortProbe(LinuxSystemCalls.Instance, _host.Path);
        PortMapping[] ports =
        [
            new(null, 18090, 80, TransportProtocol.Tcp),
            new(IPAddress.Loopback, 18090, 80, TransportProtocol.Tcp),
            new(null, 18091, 53, TransportProtocol.Udp),
            new(null, 18090, 53, TransportProtocol.Udp),
            new(null, 18092, 80, TransportProtocol.Tcp),
            new(IPAddress.Parse(HostNamespace.UplinkAddress), 18092, 80, TransportProtocol.Tcp),
            new(IPAddress.Parse("10.77.0.1"), 18092, 80, TransportProtocol.Tcp),
        ];

        var states = probe.Probe(ports);

        Assert.Equal(
            [
                HostPortState.InUse,
                HostPortState.InUse,
                HostPortState.InUse,
                HostPortState.Free,
                HostPortState.Free,
                HostPortState.Free,
                HostPortState.AddressNotLocal,
            ],
            states);
    }

    [Fact]
    public void Missing_namespace_is_a_clear_error()
    {
        var probe = new SocketPortProbe(LinuxSystemCalls.Instance, "/run/netns/ckt-missing-" + Shell.UniqueHex());

        var error = Assert.Throws<NetworkingException>(() => probe.Probe([new PortMapping(null, 18093, 80, TransportProtocol.Tcp)]));

        Assert.StartsWith("could not probe host ports in network namespace /run/netns/ckt-missing-", error.Message, StringComparison.Ordinal);
    }

    private async Task HoldAsync(int port, string protocol, params string[] command)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", _host.Name, .. command])
        {
            info.ArgumentList.Add(argument);
        }

        _listeners.Add(Process.Start(info)!);
        var flags = protocol == "udp" ? "-Hauln" : "-Htln";
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if ((await _host.InAsync("ss", flags, $"sport = :{port}")).Length > 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"nc never bound {port} in {_host.Name}"));
    }
}
