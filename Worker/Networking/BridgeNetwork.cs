using ClusterKit.Worker.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// The worker's bridge network: a host bridge with NAT, one veth per bridge-mode container and
/// published ports in ClusterKit's own nftables table. State (addresses, published ports) lives
/// in memory; the daemon persists the attachments and hands them back through <see cref="RebuildAsync"/>.
/// Calls are serialised: each one changes the shared table.
/// </summary>
public sealed class BridgeNetwork : IContainerNetwork, IDisposable
{
    private readonly BridgeNetworkSettings _settings;
    private readonly HostNetworkTools _tools;
    private readonly IHostPortProbe _portProbe;
    private readonly IVethDriver _veths;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IpAddressPool _addresses;
    private PublishedPortTable _endpoints = new();
    private string? _appliedRuleset;

    public BridgeNetwork(
        BridgeNetworkOptions options,
        ICommandRunner commandRunner,
        IHostPortProbe portProbe,
        IVethDriver vethDriver,
        TimeProvider? timeProvider = null,
        ILogger<BridgeNetwork>? logger = null)
    {
        _settings = BridgeNetworkSettings.From(options);
        _tools = new HostNetworkTools(commandRunner);
        _portProbe = portProbe;
        _veths = vethDriver;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _addresses = new IpAddressPool(_settings.Subnet);
    }

    public BridgeNetworkSettings Settings => _settings;

    /// <summary>
    /// The worker's wiring: veths over rtnetlink, port probes by bind, bridge and table through
    /// ip, sysctl and nft, all in the worker's own network namespace.
    /// </summary>
    public static BridgeNetwork ForHost(BridgeNetworkOptions options, TimeProvider? timeProvider = null, ILogger<BridgeNetwork>? logger = null) =>
        new(
            options,
            ProcessCommandRunner.Instance,
            new SocketPortProbe(LinuxSystemCalls.Instance),
            new NetlinkVethDriver(LinuxSystemCalls.Instance),
            timeProvider,
            logger);

    /// <summary>The bridge-mode containers currently attached, ordered by id.</summary>
    public IReadOnlyList<ContainerEndpoint> Endpoints
    {
        get
        {
            _gate.Wait();
            try
            {
                return [.. _endpoints.Endpoints.OrderBy(e => e.ContainerId, StringComparer.Ordinal)];
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>The table text for the current state, exactly as it is handed to `nft -f -`.</summary>
    public string RenderRuleset()
    {
        _gate.Wait();
        try
        {
            return NftRuleset.Render(_settings, _endpoints.Endpoints);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task EnsureBridgeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureBridgeLockedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<NetworkAttachment> AttachAsync(ContainerNetworkRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Mode != NetworkMode.Bridge)
        {
            // Host mode shares the host's namespace; none mode keeps loopback, which the runtime brings up.
            return NetworkAttachment.Unnetworked(request.ContainerId, request.Mode);
        }

        ValidateNamespacePath(request.NetworkNamespacePath);
        var hostEnd = VethNames.HostEnd(request.ContainerId);
        IReadOnlyList<PortMapping> ports = [.. request.Ports.Select(PortMappingParser.Normalize)];
        var started = _timeProvider.GetTimestamp();

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_endpoints.Contains(request.ContainerId))
            {
                throw new NetworkingException(
                    $"container {request.ContainerName} ({ContainerIds.Short(request.ContainerId)}) is already attached to bridge {_settings.BridgeName}; detach it first");
            }

            var namesake = _endpoints.Endpoints.FirstOrDefault(e => VethNames.HostEnd(e.ContainerId) == hostEnd);
            if (namesake is not null)
            {
                throw new NetworkingException(
                    $"container {request.ContainerName} ({ContainerIds.Short(request.ContainerId)}) and container {namesake.ContainerName} ({namesake.ShortId}) share the first {VethNames.IdHexDigits} hex digits of their ids; veth {hostEnd} is taken");
            }

            _endpoints.EnsureFree(request.ContainerId, ports);
            EnsureNotHeldByOtherProcesses(ports);

            var address = _addresses.Allocate(request.ContainerId);
            var endpoint = new ContainerEndpoint(request.ContainerId, request.ContainerName, address, ports);
            var plan = new VethPlan(
                hostEnd,
                _settings.BridgeName,
                _settings.Mtu,
                VethNames.ContainerInterface,
                MacAddresses.FromIPv4(address),
                address,
                _settings.Subnet.PrefixLength,
                _settings.Gateway,
                request.NetworkNamespacePath);
            var vethCreated = false;
            try
            {
                await _veths.CreateAsync(plan, cancellationToken);
                vethCreated = true;
                _endpoints.Set(endpoint);
                if (ports.Count > 0)
                {
                    await ApplyRulesetAsync(force: false, cancellationToken);
                }
            }
            catch (Exception error) when (error is CommandFailedException or KernelCallException or NetworkingException or IOException or OperationCanceledException)
            {
                Log.AttachFailed(_logger, error, request.ContainerId);
                await UndoAttachAsync(request.ContainerId, hostEnd, vethCreated);
                throw error is not OperationCanceledException
                    ? new NetworkingException(
                        $"could not attach container {request.ContainerName} ({ContainerIds.Short(request.ContainerId)}) to bridge {_settings.BridgeName}: {error.Message}",
                        error)
                    : error;
            }

            Log.Attached(_logger, request.ContainerId, address, hostEnd, ports.Count, _timeProvider.GetElapsedTime(started).TotalMilliseconds);
            return new NetworkAttachment(
                request.ContainerId,
                NetworkMode.Bridge,
                address,
                _settings.Subnet.PrefixLength,
                _settings.Gateway,
                plan.MacAddress,
                hostEnd,
                ports);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DetachAsync(string containerId, CancellationToken cancellationToken = default)
    {
        var hostEnd = VethNames.HostEnd(containerId);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Deleting the host end destroys the peer in the container's namespace as well.
            await _veths.DeleteAsync(hostEnd, cancellationToken);
            _addresses.Release(containerId);
            var hadPorts = _endpoints.Endpoints.Any(e => e.ContainerId == containerId && e.Ports.Count > 0);
            _endpoints.Remove(containerId);
            if (hadPorts)
            {
                await ApplyRulesetAsync(force: false, cancellationToken);
            }

            Log.Detached(_logger, containerId, hostEnd);
        }
        catch (Exception error) when (error is CommandFailedException or KernelCallException)
        {
            throw new NetworkingException($"could not detach container {ContainerIds.Short(containerId)}: {error.Message}", error);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<RebuildReport> RebuildAsync(IEnumerable<ContainerEndpoint> knownContainers, CancellationToken cancellationToken = default)
    {
        var known = knownContainers
            .Select(e => e with { Ports = [.. e.Ports.Select(PortMappingParser.Normalize)] })
            .ToList();

        // Check the records as a whole before anything is replaced: a clash leaves the current state alone.
        var addresses = new IpAddressPool(_settings.Subnet);
        addresses.Restore(known.Select(e => KeyValuePair.Create(e.ContainerId, e.Address)));
        var endpoints = new PublishedPortTable();
        foreach (var endpoint in known)
        {
            endpoints.Set(endpoint);
        }

        var ownedInterfaces = known.Select(e => VethNames.HostEnd(e.ContainerId)).ToHashSet(StringComparer.Ordinal);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _addresses = addresses;
            _endpoints = endpoints;
            await EnsureBridgeLockedAsync(cancellationToken);

            var removed = new List<string>();
            foreach (var name in await _tools.ListBridgePortsAsync(_settings.BridgeName, cancellationToken))
            {
                if (VethNames.IsHostEnd(name) && !ownedInterfaces.Contains(name) && await _veths.DeleteAsync(name, cancellationToken))
                {
                    Log.RemovedStray(_logger, name, _settings.BridgeName);
                    removed.Add(name);
                }
            }

            Log.Rebuilt(_logger, known.Count);
            return new RebuildReport(known.Count, removed);
        }
        catch (Exception error) when (error is CommandFailedException or KernelCallException)
        {
            throw new NetworkingException($"could not rebuild bridge {_settings.BridgeName}: {error.Message}", error);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task TeardownAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _tools.ApplyNftAsync(NftRuleset.RenderDelete(_settings), cancellationToken);
            _appliedRuleset = null;
            foreach (var name in await _tools.ListBridgePortsAsync(_settings.BridgeName, cancellationToken))
            {
                if (VethNames.IsHostEnd(name))
                {
                    await _veths.DeleteAsync(name, cancellationToken);
                }
            }

            if (await _tools.GetLinkKindAsync(_settings.BridgeName, cancellationToken) == "bridge")
            {
                await _tools.DeleteLinkAsync(_settings.BridgeName, cancellationToken);
            }

            _addresses = new IpAddressPool(_settings.Subnet);
            _endpoints = new PublishedPortTable();
            Log.TornDown(_logger, _settings.BridgeName, _settings.QualifiedTableName);
        }
        catch (Exception error) when (error is CommandFailedException or KernelCallException)
        {
            throw new NetworkingException($"could not tear down bridge {_settings.BridgeName}: {error.Message}", error);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private static void ValidateNamespacePath(string path)
    {
        // The path goes into an ip batch line, which splits on whitespace.
        if (!path.StartsWith('/') || path.Any(char.IsWhiteSpace))
        {
            throw new NetworkingException(
                $"invalid network namespace path '{path}': expected an absolute path without spaces, such as /proc/PID/ns/net");
        }
    }

    private async Task EnsureBridgeLockedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var kind = await _tools.GetLinkKindAsync(_settings.BridgeName, cancellationToken);
            if (kind is not null && kind != "bridge")
            {
                throw new NetworkingException(
                    $"link {_settings.BridgeName} exists but is {(kind.Length == 0 ? "not a bridge" : "a " + kind)}; choose another bridge name");
            }

            await _tools.RunIpBatchAsync(IpCommands.CreateBridge(_settings, exists: kind is not null), cancellationToken);

            // route_localnet lets DNATed packets from 127.0.0.1 leave through the bridge, so published ports answer on localhost.
            await _tools.SetSysctlsAsync(
                ["net.ipv4.ip_forward=1", $"net.ipv4.conf.{_settings.BridgeName}.route_localnet=1"], cancellationToken);
            await ApplyRulesetAsync(force: true, cancellationToken);
        }
        catch (CommandFailedException error)
        {
            throw new NetworkingException($"could not set up bridge {_settings.BridgeName}: {error.Message}", error);
        }

        Log.BridgeReady(_logger, _settings.BridgeName, _settings.Gateway, _settings.Subnet.PrefixLength, _settings.QualifiedTableName);
    }

    private async Task ApplyRulesetAsync(bool force, CancellationToken cancellationToken)
    {
        var ruleset = NftRuleset.Render(_settings, _endpoints.Endpoints);
        if (!force && ruleset == _appliedRuleset)
        {
            return;
        }

        await _tools.ApplyNftAsync(ruleset, cancellationToken);
        _appliedRuleset = ruleset;
    }

    private void EnsureNotHeldByOtherProcesses(IReadOnlyList<PortMapping> ports)
    {
        var states = _portProbe.Probe(ports);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var where = port.HostAddress?.ToString() ?? "any address";
            switch (states[i])
            {
                case HostPortState.InUse:
                    throw new NetworkingException(
                        $"port {port.HostPort}/{port.ProtocolName} is in use by another process on this host ({where}); publish a different host port");
                case HostPortState.AddressNotLocal:
                    throw new NetworkingException(
                        $"cannot publish {port}: host address {port.HostAddress} is not an address of this host");
                case HostPortState.Free:
                default:
                    break;
            }
        }
    }

    private async Task UndoAttachAsync(string containerId, string hostEnd, bool vethCreated)
    {
        _addresses.Release(containerId);
        var hadEndpoint = _endpoints.Remove(containerId);
        try
        {
            if (vethCreated)
            {
                // Not cancellable: a veth must not outlive a failed or cancelled attach.
                await _veths.DeleteAsync(hostEnd, CancellationToken.None);
            }

            if (hadEndpoint)
            {
                await ApplyRulesetAsync(force: false, CancellationToken.None);
            }
        }
        catch (Exception error) when (error is CommandFailedException or KernelCallException)
        {
            // The attach error is the one to report; this one only leaves a stray for the next rebuild.
            Log.UndoFailed(_logger, error, containerId);
        }
    }
}
