using System.Diagnostics;
using System.Globalization;
using ClusterKit.Worker.Networking;
using ClusterKit.Worker.Networking.Tests.Kernel;

// Attach time of a container to a bridge network with the netlink veth driver against its anchor, the ip driver,
// in one run and one host namespace; rounds alternate the drivers so that a load spike on this shared machine falls
// on both. Prints one JSON line. Needs root (network namespaces).
var rounds = 20;
if (args.Length != 0 && !(args.Length == 2 && args[0] == "--rounds" && int.TryParse(args[1], CultureInfo.InvariantCulture, out rounds) && rounds > 0))
{
    await Console.Error.WriteLineAsync($"bench-bridge-attach: bad arguments '{string.Join(' ', args)}'; allowed: --rounds N (N > 0)");
    return 2;
}

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

// Round 0 warms up both paths and is not counted.
var netlinkMs = new List<double>();
var ipMs = new List<double>();
for (var round = 0; round <= rounds; round++)
{
    var a = await TimeAttachAsync(netlink, await host.StartContainerAsync());
    var b = await TimeAttachAsync(ip, await host.StartContainerAsync());
    if (round > 0)
    {
        netlinkMs.Add(a);
        ipMs.Add(b);
    }
}

netlinkMs.Sort();
ipMs.Sort();
var netlinkMedian = netlinkMs[netlinkMs.Count / 2];
var ipMedian = ipMs[ipMs.Count / 2];
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"{{\"bench\":\"bridge_attach\",\"rounds\":{rounds},\"netlink_median_ms\":{netlinkMedian:F2},\"ip_median_ms\":{ipMedian:F2},\"netlink_mean_ms\":{netlinkMs.Average():F2},\"ip_mean_ms\":{ipMs.Average():F2},\"ratio_median\":{netlinkMedian / ipMedian:F3}}}"));
return 0;

static async Task<double> TimeAttachAsync(BridgeNetwork network, FakeContainer container)
{
    var began = Stopwatch.GetTimestamp();
    await network.AttachAsync(ContainerNetworkRequest.ForProcess(container.Id, container.Name, NetworkMode.Bridge, container.Pid, []));
    return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
}
