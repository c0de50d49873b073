namespace ClusterKit.Worker.Networking;

/// <summary>Which container publishes which host port; refuses a second claim on the same port and protocol.</summary>
internal sealed class PublishedPortTable
{
    private readonly Dictionary<string, ContainerEndpoint> _byContainer = new(StringComparer.Ordinal);

    public IEnumerable<ContainerEndpoint> Endpoints => _byContainer.Values;

    /// <summary>Throws when a mapping clashes with one of another container or with another mapping of the same request.</summary>
    public void EnsureFree(string containerId, IReadOnlyList<PortMapping> ports)
    {
        for (var i = 0; i < ports.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (ports[i].ClashesWith(ports[j]))
                {
                    throw new NetworkingException(
                        $"port {Describe(ports[i])} is published twice by container {ContainerIds.Short(containerId)} ({ports[j]} and {ports[i]})");
                }
            }

            foreach (var other in _byContainer.Values)
            {
                if (other.ContainerId == containerId)
                {
                    continue;
                }

                if (other.Ports.Any(ports[i].ClashesWith))
                {
                    throw new NetworkingException(
                        $"port {Describe(ports[i])} is already published by container {other.ContainerName} ({other.ShortId})");
                }
            }
        }
    }

    public void Set(ContainerEndpoint endpoint)
    {
        EnsureFree(endpoint.ContainerId, endpoint.Ports);
        _byContainer[endpoint.ContainerId] = endpoint;
    }

    public bool Remove(string containerId) => _byContainer.Remove(containerId);

    public bool Contains(string containerId) => _byContainer.ContainsKey(containerId);

    private static string Describe(PortMapping port) => $"{port.HostPort}/{port.ProtocolName}";
}
