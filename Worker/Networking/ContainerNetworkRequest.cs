namespace ClusterKit.Worker.Networking;

/// <summary>
/// What the daemon asks for when a container starts. <see cref="NetworkNamespacePath"/> is the
/// container's network namespace, usually /proc/PID/ns/net of its init process (see <see cref="ForProcess"/>).
/// </summary>
public sealed record ContainerNetworkRequest(
    string ContainerId,
    string ContainerName,
    NetworkMode Mode,
    string NetworkNamespacePath,
    IReadOnlyList<PortMapping> Ports)
{
    public static ContainerNetworkRequest ForProcess(
        string containerId, string containerName, NetworkMode mode, int pid, IReadOnlyList<PortMapping> ports) =>
        new(containerId, containerName, mode, $"/proc/{pid}/ns/net", ports);
}
