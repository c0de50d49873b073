namespace ClusterKit.Manager.Registry.Http;

/// <summary>Headers of the distribution API besides the standard ones.</summary>
public static class RegistryHeaders
{
    public const string ApiVersion = "Docker-Distribution-API-Version";
    public const string ApiVersionValue = "registry/2.0";
    public const string ContentDigest = "Docker-Content-Digest";
    public const string UploadUuid = "Docker-Upload-UUID";
    public const string BlobContentType = "application/octet-stream";
}
