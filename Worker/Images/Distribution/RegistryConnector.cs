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
internal sealed record RegistryRoute(IReadOnlyList<RegistryEndpoint> Endpoints, string Noun);

/// <summary>
/// Opens a <see cref="RegistryClient"/> for the registry a reference names (its domain, host:port), over one shared
/// handler that carries the TLS settings. A reference without a registry (<c>busybox</c>, <c>team/app:v1</c>) means
/// the cluster registry on the managers: over HTTPS with the node's certificate, the first manager that answers,
/// the live session's first (<see cref="IClusterRegistry"/>); without a cluster it is refused, since docker.io is not
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
        return new RegistryRoute([.. target.Managers.Select(m => new RegistryEndpoint(new Uri($"https://{m}/"), target.Handler, clusterToken))], "manager");
    }

    /// <summary>A client of the reference's registry; for the cluster registry, of the first manager that answers a ping.</summary>
    /// <param name="clusterToken">A bearer token for the cluster registry; never sent to another registry.</param>
    internal async Task<RegistryClient> ConnectAsync(ImageReference reference, CancellationToken cancellationToken, string? clusterToken = null)
    {
        var route = Route(reference, clusterToken);
        if (reference.Domain != ImageReference.DefaultDomain)
        {
            return route.Endpoints[0].Open();
        }

        var failures = new List<string>();
        foreach (var endpoint in route.Endpoints)
        {
            var client = endpoint.Open();
            try
            {
                await client.PingAsync(cancellationToken);
                return client;
            }
            catch (RegistryException e) when (e.StatusCode is null)
            {
                // Not reachable (refused, reset, TLS): the next manager serves the same registry.
                client.Dispose();
                failures.Add(e.Message);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        throw new ImageStoreException(ImageErrorKind.NotFound,
            $"the cluster registry is not reachable for '{reference}': " + (failures.Count == 0 ? "no manager is known" : string.Join("; ", failures)));
    }
}
