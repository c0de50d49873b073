using ClusterKit.Worker.Images.References;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// Opens a <see cref="RegistryClient"/> for the registry a reference names (its domain, host:port), over one shared
/// handler that carries the TLS settings. A reference without a registry (<c>busybox</c>, <c>team/app:v1</c>) means
/// the cluster registry on the managers: over HTTPS with the node's certificate, the first manager that answers,
/// the live session's first (<see cref="IClusterRegistry"/>); without a cluster it is refused, since docker.io is not
/// reachable from the cluster.
/// </summary>
public sealed class RegistryConnector(HttpMessageHandler handler, string scheme = "http", IClusterRegistry? cluster = null)
{
    /// <param name="clusterToken">A bearer token for the cluster registry; never sent to another registry.</param>
    internal async Task<RegistryClient> ConnectAsync(ImageReference reference, CancellationToken cancellationToken, string? clusterToken = null)
    {
        if (reference.Domain != ImageReference.DefaultDomain)
        {
            return new RegistryClient(new Uri($"{scheme}://{reference.Domain}/"), handler);
        }

        var target = cluster?.Current ?? throw new ImageStoreException(ImageErrorKind.InvalidArgument,
            $"invalid reference '{reference}': it names no registry and this worker has joined no cluster (docker.io is not reachable from the cluster); give HOST:PORT/{reference.FamiliarRepository}");
        var failures = new List<string>();
        foreach (var manager in target.Managers)
        {
            var client = new RegistryClient(new Uri($"https://{manager}/"), target.Handler, bearerToken: clusterToken);
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
