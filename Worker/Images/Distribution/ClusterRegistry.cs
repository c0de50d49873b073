namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// The cluster registry as a joined worker reaches it: the managers' API addresses (the one of the live session first,
/// the nearest known) and an HTTPS handler that presents the node's certificate and accepts only managers of the cluster.
/// </summary>
public sealed record ClusterRegistryTarget(IReadOnlyList<string> Managers, HttpMessageHandler Handler);

/// <summary>Where the cluster registry is now; null while the worker has joined no cluster.</summary>
public interface IClusterRegistry
{
    ClusterRegistryTarget? Current { get; }
}
