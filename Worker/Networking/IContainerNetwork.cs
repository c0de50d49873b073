namespace ClusterKit.Worker.Networking;

/// <summary>The worker's local container networking, as the daemon drives it.</summary>
public interface IContainerNetwork
{
    /// <summary>Creates (or repairs) the bridge, forwarding, NAT and ClusterKit's nftables table.</summary>
    Task EnsureBridgeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Networks a container whose namespace exists and whose user process has not started yet.
    /// Bridge mode gets an address, a veth and its published ports; host and none mode get nothing.
    /// </summary>
    Task<NetworkAttachment> AttachAsync(ContainerNetworkRequest request, CancellationToken cancellationToken = default);

    /// <summary>Removes the container's veth, address and published ports; a no-op for an unknown container.</summary>
    Task DetachAsync(string containerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// After a worker restart: takes the daemon's records as the whole truth, rebuilds the table
    /// from them and removes ClusterKit veths on the bridge that belong to no known container.
    /// </summary>
    Task<RebuildReport> RebuildAsync(IEnumerable<ContainerEndpoint> knownContainers, CancellationToken cancellationToken = default);

    /// <summary>Removes the table, the container veths and the bridge (tests, uninstall).</summary>
    Task TeardownAsync(CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IContainerNetwork.RebuildAsync"/> did.</summary>
public sealed record RebuildReport(int RestoredContainers, IReadOnlyList<string> RemovedInterfaces);
