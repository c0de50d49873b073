using System.Net;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Networking.Netlink;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// Container veths over rtnetlink, without a single process start: one request creates the
/// pair (peer already named, addressed by MAC and moved into the container's namespace, host
/// end enslaved and up), one sets hairpin mode on the bridge port, one datagram inside the
/// container brings eth0 up with its address and default route. Sockets belong to the namespace of the thread that opens them, so the
/// work runs on a short-lived thread that enters the host namespace (when it is not the
/// worker's own) and then the container's.
/// </summary>
public sealed class NetlinkVethDriver : IVethDriver
{
    private readonly ISystemCalls _systemCalls;
    private readonly string? _hostNetworkNamespacePath;

    /// <param name="systemCalls">The kernel seam.</param>
    /// <param name="hostNetworkNamespacePath">The namespace that holds the bridge; null for the worker's own.</param>
    public NetlinkVethDriver(ISystemCalls systemCalls, string? hostNetworkNamespacePath = null)
    {
        _systemCalls = systemCalls;
        _hostNetworkNamespacePath = hostNetworkNamespacePath;
    }

    public Task CreateAsync(VethPlan plan, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return RunOnOwnThread(() =>
        {
            Create(plan);
            return true;
        });
    }

    public Task<bool> DeleteAsync(string hostInterface, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return RunOnOwnThread(() =>
        {
            EnterHostNamespace();
            using var host = new RouteNetlinkSocket(_systemCalls);
            return Delete(host, hostInterface);
        });
    }

    internal static byte[] CreateVethRequest(VethPlan plan, int bridgeIndex, int namespaceFd, uint sequence) =>
        new NetlinkMessage(RtNetlink.NewLink, RtNetlink.FlagRequest | RtNetlink.FlagAck | RtNetlink.FlagCreate | RtNetlink.FlagExclusive, sequence)
            .InterfaceInfo(RtNetlink.AfUnspec, 0, RtNetlink.InterfaceUp, RtNetlink.InterfaceUp)
            .Attribute(RtNetlink.LinkName, plan.HostInterface)
            .Attribute(RtNetlink.LinkMtu, (uint)plan.Mtu)
            .Attribute(RtNetlink.LinkMaster, (uint)bridgeIndex)
            .BeginNested(RtNetlink.LinkInfo)
                .Attribute(RtNetlink.LinkInfoKind, "veth")
                .BeginNested(RtNetlink.LinkInfoData)
                    .BeginNested(RtNetlink.VethPeer)
                        .InterfaceInfo(RtNetlink.AfUnspec, 0, 0, 0)
                        .Attribute(RtNetlink.LinkName, plan.ContainerInterface)
                        .Attribute(RtNetlink.LinkAddress, MacBytes(plan.MacAddress))
                        .Attribute(RtNetlink.LinkMtu, (uint)plan.Mtu)
                        .Attribute(RtNetlink.LinkNetNsFd, (uint)namespaceFd)
                    .EndNested()
                .EndNested()
            .EndNested()
            .ToArray();

    /// <summary>
    /// Hairpin mode on the bridge port: with bridge netfilter on, a container reaching its own
    /// published port is DNATed back to the port it came from, which a bridge refuses otherwise.
    /// </summary>
    internal static byte[] HairpinRequest(string hostInterface, uint sequence) =>
        new NetlinkMessage(RtNetlink.NewLink, RtNetlink.FlagRequest | RtNetlink.FlagAck, sequence)
            .InterfaceInfo(RtNetlink.AfUnspec, 0, 0, 0)
            .Attribute(RtNetlink.LinkName, hostInterface)
            .BeginNested(RtNetlink.LinkInfo)
                .Attribute(RtNetlink.LinkInfoSlaveKind, "bridge")
                .BeginNested(RtNetlink.LinkInfoSlaveData)
                    .Attribute(RtNetlink.BridgePortMode, [1])
                .EndNested()
            .EndNested()
            .ToArray();

    internal static byte[] LinkUpRequest(int index, uint sequence) =>
        new NetlinkMessage(RtNetlink.NewLink, RtNetlink.FlagRequest | RtNetlink.FlagAck, sequence)
            .InterfaceInfo(RtNetlink.AfUnspec, index, RtNetlink.InterfaceUp, RtNetlink.InterfaceUp)
            .ToArray();

    internal static byte[] AddAddressRequest(VethPlan plan, int index, uint sequence)
    {
        var address = plan.Address.GetAddressBytes();
        var mask = plan.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - plan.PrefixLength);
        var broadcast = Ipv4Subnet.ToAddress(Ipv4Subnet.ToUInt32(plan.Address) | ~mask).GetAddressBytes();
        return new NetlinkMessage(RtNetlink.NewAddress, RtNetlink.FlagRequest | RtNetlink.FlagAck | RtNetlink.FlagCreate | RtNetlink.FlagExclusive, sequence)
            .AddressInfo(RtNetlink.AfInet, (byte)plan.PrefixLength, index)
            .Attribute(RtNetlink.AddressLocal, address)
            .Attribute(RtNetlink.AddressAddress, address)
            .Attribute(RtNetlink.AddressBroadcast, broadcast)
            .ToArray();
    }

    internal static byte[] DefaultRouteRequest(IPAddress gateway, int index, uint sequence) =>
        new NetlinkMessage(RtNetlink.NewRoute, RtNetlink.FlagRequest | RtNetlink.FlagAck | RtNetlink.FlagCreate | RtNetlink.FlagExclusive, sequence)
            .RouteInfo(RtNetlink.AfInet, 0)
            .Attribute(RtNetlink.RouteGateway, gateway.GetAddressBytes())
            .Attribute(RtNetlink.RouteOutputInterface, (uint)index)
            .ToArray();

    internal static byte[] DeleteLinkRequest(string name, uint sequence) =>
        new NetlinkMessage(RtNetlink.DeleteLink, RtNetlink.FlagRequest | RtNetlink.FlagAck, sequence)
            .InterfaceInfo(RtNetlink.AfUnspec, 0, 0, 0)
            .Attribute(RtNetlink.LinkName, name)
            .ToArray();

    private static byte[] MacBytes(string mac) => Convert.FromHexString(mac.Replace(":", string.Empty, StringComparison.Ordinal));

    private static bool Delete(RouteNetlinkSocket socket, string name)
    {
        try
        {
            socket.Execute([($"delete link {name}", DeleteLinkRequest(name, socket.NextSequence()))]);
            return true;
        }
        catch (KernelCallException error) when (error.Errno == RtNetlink.NoSuchDevice)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs the work on a thread of its own, which may enter other network namespaces and then
    /// ends; the caller awaits it instead of blocking a pool thread.
    /// </summary>
    private static Task<T> RunOnOwnThread<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception error)
            {
                // Anything escaping a thread would end the process; hand it to the caller instead.
                completion.SetException(error);
            }
        })
        {
            IsBackground = true,
            Name = "ck-netlink",
        };
        thread.Start();
        return completion.Task;
    }

    /// <summary>
    /// A pid whose process has not yet left the host's namespace would have eth0 land on the host
    /// itself; the magic links of /proc name the namespace, so compare them when both are links.
    /// </summary>
    private static void RefuseHostNamespace(string networkNamespacePath)
    {
        var target = new FileInfo(networkNamespacePath).LinkTarget;
        if (target is not null && target == new FileInfo("/proc/thread-self/ns/net").LinkTarget)
        {
            throw new NetworkingException(
                $"network namespace {networkNamespacePath} ({target}) is the host's own; a bridge-mode container needs its own network namespace");
        }
    }

    private void EnterHostNamespace()
    {
        if (_hostNetworkNamespacePath is not null)
        {
            _systemCalls.EnterNetworkNamespace(_hostNetworkNamespacePath);
        }
    }

    private void Create(VethPlan plan)
    {
        EnterHostNamespace();
        RefuseHostNamespace(plan.NetworkNamespacePath);
        using var host = new RouteNetlinkSocket(_systemCalls);
        var bridgeIndex = host.FindInterfaceIndex(plan.BridgeName)
            ?? throw new NetworkingException($"bridge {plan.BridgeName} does not exist; set up the bridge network first");

        using (var target = File.OpenHandle(plan.NetworkNamespacePath, FileMode.Open, FileAccess.Read))
        {
            host.Execute([
                ($"create veth {plan.HostInterface} with peer {plan.ContainerInterface} in {plan.NetworkNamespacePath}",
                 CreateVethRequest(plan, bridgeIndex, (int)target.DangerousGetHandle(), host.NextSequence())),
            ]);
        }

        try
        {
            host.Execute([($"set hairpin mode on {plan.HostInterface}", HairpinRequest(plan.HostInterface, host.NextSequence()))]);
            _systemCalls.EnterNetworkNamespace(plan.NetworkNamespacePath);
            using var container = new RouteNetlinkSocket(_systemCalls);
            var index = container.FindInterfaceIndex(plan.ContainerInterface)
                ?? throw new NetworkingException($"{plan.ContainerInterface} did not appear in {plan.NetworkNamespacePath}");
            container.Execute([
                ($"set {plan.ContainerInterface} up", LinkUpRequest(index, container.NextSequence())),
                ($"add {plan.Address}/{plan.PrefixLength} to {plan.ContainerInterface}", AddAddressRequest(plan, index, container.NextSequence())),
                ($"add default route via {plan.Gateway}", DefaultRouteRequest(plan.Gateway, index, container.NextSequence())),
            ]);
        }
        catch (Exception error) when (error is KernelCallException or NetworkingException or IOException or UnauthorizedAccessException)
        {
            // The host socket still lives in the host namespace, whatever this thread entered since.
            Delete(host, plan.HostInterface);
            throw;
        }
    }
}
