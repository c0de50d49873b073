using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Http;

public enum RegistryRouteKind
{
    /// <summary><c>/v2/</c>: the API version check.</summary>
    Base,
    Catalog,
    Tags,
    Manifest,
    Blob,

    /// <summary><c>/v2/NAME/blobs/uploads/</c>: starts an upload (or mounts, or uploads in one request).</summary>
    UploadStart,

    /// <summary><c>/v2/NAME/blobs/uploads/UUID</c>: one upload session.</summary>
    Upload,

    /// <summary>No registry endpoint has this shape.</summary>
    Unknown,
}

/// <summary>
/// A request path below <c>/v2/</c>, parsed from its end because repository names have slashes:
/// <c>NAME/tags/list</c>, <c>NAME/manifests/REF</c>, <c>NAME/blobs/DIGEST</c>, <c>NAME/blobs/uploads/[UUID]</c>.
/// The name then goes through <see cref="RepositoryName"/>, so a path with <c>..</c> or upper case is refused
/// as NAME_INVALID before anything looks it up. References and digests are parsed by the endpoint, which knows
/// which error code each deserves.
/// </summary>
public sealed record RegistryRoute(RegistryRouteKind Kind, RepositoryName? Name = null, string? Reference = null)
{
    private static readonly RegistryRoute UnknownRoute = new(RegistryRouteKind.Unknown);

    /// <param name="rest">The path after <c>/v2/</c>, without a leading slash.</param>
    public static RegistryRoute Parse(string? rest)
    {
        var path = rest ?? string.Empty;
        if (path.Length == 0)
        {
            return new RegistryRoute(RegistryRouteKind.Base);
        }

        if (path is "_catalog")
        {
            return new RegistryRoute(RegistryRouteKind.Catalog);
        }

        var parts = path.Split('/');
        var n = parts.Length;
        return n switch
        {
            >= 3 when parts[n - 2] == "tags" && parts[n - 1] == "list" => Named(RegistryRouteKind.Tags, parts, n - 2, null),
            >= 3 when parts[n - 2] == "blobs" && parts[n - 1] == "uploads" => Named(RegistryRouteKind.UploadStart, parts, n - 2, null),
            >= 4 when parts[n - 3] == "blobs" && parts[n - 2] == "uploads" && parts[n - 1].Length == 0 => Named(RegistryRouteKind.UploadStart, parts, n - 3, null),
            >= 4 when parts[n - 3] == "blobs" && parts[n - 2] == "uploads" => Named(RegistryRouteKind.Upload, parts, n - 3, parts[n - 1]),
            >= 3 when parts[n - 2] == "manifests" && parts[n - 1].Length > 0 => Named(RegistryRouteKind.Manifest, parts, n - 2, parts[n - 1]),
            >= 3 when parts[n - 2] == "blobs" && parts[n - 1].Length > 0 => Named(RegistryRouteKind.Blob, parts, n - 2, parts[n - 1]),
            _ => UnknownRoute,
        };
    }

    private static RegistryRoute Named(RegistryRouteKind kind, string[] parts, int nameParts, string? reference) =>
        new(kind, RepositoryName.Parse(string.Join('/', parts, 0, nameParts)), reference);
}
