using System.Diagnostics;
using System.Globalization;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>
/// Attach time of the netlink driver against its anchor, the ip driver, in the same run and
/// host namespace (absolute times drift on a shared machine; the ratio does not).
/// </summary>
public sealed class AttachTimingTests
{
    private const int Rounds = 6;

    [Fact]
    public async Task Netlink_attach_is_faster_than_ip_attach()
    {
        await using var host = await HostNamespace.CreateAsync();
        using var netlink = host.CreateNetwork(netlink: true);
        using var ip = host.CreateNetwork(netlink: false, new BridgeNetworkOptions
        {
            BridgeName = host.Options.BridgeName + "i",
            Subnet = "10.87.0.0/16",
            TableName = host.Options.TableName + "-i",
        });
        await netlink.EnsureBridgeAsync();
        await ip.EnsureBridgeAsync();
        var containers = new List<FakeContainer>();
        for (var i = 0; i < 2 * (Rounds + 1); i++)
        {
            containers.Add(await host.StartContainerAsync());
        }

        // The first round warms up both paths; rounds alternate so that load spikes hit both.
        var netlinkTime = TimeSpan.Zero;
        var ipTime = TimeSpan.Zero;
        for (var round = 0; round <= Rounds; round++)
        {
            var a = await TimeAttachAsync(netlink, containers[2 * round]);
            var b = await TimeAttachAsync(ip, containers[(2 * round) + 1]);
            if (round > 0)
            {
                netlinkTime += a;
                ipTime += b;
            }
        }

        var netlinkMs = netlinkTime.TotalMilliseconds / Rounds;
        var ipMs = ipTime.TotalMilliseconds / Rounds;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"bench\":\"bridge_attach\",\"netlink_ms\":{netlinkMs:F2},\"ip_ms\":{ipMs:F2},\"ratio\":{netlinkMs / ipMs:F3},\"rounds\":{Rounds}}}"));
        Assert.True(netlinkMs < ipMs, $"netlink attach took {netlinkMs:F1} ms, ip attach {ipMs:F1} ms");
    }

    private static async Task<TimeSpan> TimeAttachAsync(BridgeNetwork network, FakeContainer container)
    {
        var watch = Stopwatch.StartNew();
        await network.AttachAsync(ContainerNetworkRequest.ForProcess(container.Id, container.Name, NetworkMode.Bridge, container.Pid, []));
        return watch.Elapsed;
    }
}
