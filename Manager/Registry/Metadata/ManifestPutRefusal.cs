using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>The one refusal of a manifest put that lost a race with garbage collection, whichever metadata stores it.</summary>
internal static class ManifestPutRefusal
{
    /// <param name="blob">The blob found missing, or null when the store only says one of them changed.</param>
    public static RegistryException BlobRemoved(string repository, string manifest, string? blob) =>
        new(
            RegistryErrorCode.ManifestBlobUnknown,
            (blob is null ? $"a blob that manifest {manifest}" : $"blob {blob} that manifest {manifest}")
                + $" references was removed from repository {repository} while the manifest was stored; push the blob again");
}
