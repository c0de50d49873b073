using ClusterKit.Worker.Images.References;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// Opens a <see cref="RegistryClient"/> for the registry a reference names (its domain, host:port),
/// over one shared handler that carries the TLS settings. docker.io is refused: a cluster pulls
/// from its own registry and this machine may have no internet.
/// </summary>
public sealed class RegistryConnector(HttpMessageHandler handler, string scheme = "http")
{
    internal RegistryClient Connect(ImageReference reference)
    {
        if (reference.Domain == ImageReference.DefaultDomain)
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument,
                $"invalid reference '{reference}': it names no registry (docker.io is not reachable from the cluster); give HOST:PORT/{reference.FamiliarRepository}");
        }

        return new RegistryClient(new Uri($"{scheme}://{reference.Domain}/"), handler);
    }
}
