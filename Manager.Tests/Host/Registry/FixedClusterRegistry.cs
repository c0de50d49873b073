using ClusterKit.Worker.Images.Distribution;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>The cluster registry as a worker whose session never changes sees it: the managers in a fixed order.</summary>
internal sealed class FixedClusterRegistry(ClusterRegistryTarget target) : IClusterRegistry
{
    public ClusterRegistryTarget? Current => target;
}
