using ClusterKit.Worker.Images.References;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>One address a registry answers at: a manager of the cluster registry, or the registry a reference names.</summary>
internal sealed record RegistryEndpoint(Uri BaseAddress, HttpMessageHandler Handler, string? BearerToken = null)
{
    /// <summary>host:port, as messages name it.</summary>
    public string Name => BaseAddress.Authority;

    public RegistryClient Open() => new(BaseAddress, Handler, bearerToken: BearerToken);
}

/// <summary>The addresses of one registry in the order to try them, and what a message calls one of them ("manager", "registry").</summary>
internal sealed record RegistryRoute(IReadOnlyList<RegistryEndpoint> Endpoints, string Noun)
{
    /// <summary>The cluster registry (its managers), as opposed to a registry a reference names.</summary>
    public bool IsCluster { get; init; }
}

/// <summary>
/// Opens a <see cref="RegistryClient"/> for the registry a reference names (its domain, host:port), over one shared
/// handler that carries the TLS settings. A reference without a registry (<c>busybox</c>, <c>team/app:v1</c>) means
/// the cluster registry on the managers: over HTTPS with the node's certificate, every manager in
/// the live session's order (<see cref="IClusterRegistry"/>), the next tried when one fails (<see cref="RegistryFailover"/>); without a cluster it is refused, since docker.io is not
/// reachable from the cluster.
/// </summary>
public sealed class RegistryConnector(HttpMessageHandler handler, string scheme = "http", IClusterRegistry? cluster = null)
{
    /// <summary>
    /// Where <paramref name="reference"/>'s registry answers: the one address its domain names, or every manager of the
    /// cluster registry in the order to try them.
    /// </summary>
    /// <param name="clusterToken">A bearer token for the cluster registry; never sent to another registry.</param>
    internal RegistryRoute Route(ImageReference reference, string? clusterToken = null)
    {
        if (reference.Domain != ImageReference.DefaultDomain)
        {
            return new RegistryRoute([new RegistryEndpoint(new Uri($"{scheme}://{reference.Domain}/"), handler)], "registry");
        }

        var target = cluster?.Current ?? throw new ImageStoreException(ImageErrorKind.InvalidArgument,
            $"invalid reference '{reference}': it names no registry and this worker has joined no cluster (docker.io is not reachable from the cluster); give HOST:PORT/{reference.FamiliarRepository}");
        return new RegistryRoute([.. target.Managers.Select(m => new RegistryEndpoint(new Uri($"https://{m}/"), target.Handler, clusterToken))], "manager") { IsCluster = true };
    }
}
