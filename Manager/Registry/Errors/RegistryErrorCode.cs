namespace ClusterKit.Manager.Registry.Errors;

/// <summary>The error codes of the OCI distribution spec, plus the one distribution extension clients know.</summary>
public enum RegistryErrorCode
{
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    RangeInvalid,

    /// <summary>A tags list or catalog <c>n</c> that is not a non-negative number (the distribution registry's code).</summary>
    PaginationNumberInvalid,

    /// <summary>The registry cannot answer now but may later (the distribution registry's code, 503): a push not yet durable.</summary>
    Unavailable,
}

/// <summary>Each code's wire name and HTTP status.</summary>
public static class RegistryErrorCodes
{
    public static string WireName(this RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        RegistryErrorCode.BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
        RegistryErrorCode.BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
        RegistryErrorCode.DigestInvalid => "DIGEST_INVALID",
        RegistryErrorCode.ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
        RegistryErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        RegistryErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        RegistryErrorCode.NameInvalid => "NAME_INVALID",
        RegistryErrorCode.NameUnknown => "NAME_UNKNOWN",
        RegistryErrorCode.SizeInvalid => "SIZE_INVALID",
        RegistryErrorCode.Unauthorized => "UNAUTHORIZED",
        RegistryErrorCode.Denied => "DENIED",
        RegistryErrorCode.Unsupported => "UNSUPPORTED",
        RegistryErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        RegistryErrorCode.RangeInvalid => "RANGE_INVALID",
        RegistryErrorCode.PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
        RegistryErrorCode.Unavailable => "UNAVAILABLE",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "unknown registry error code"),
    };

    public static int HttpStatus(this RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown or RegistryErrorCode.BlobUploadUnknown or RegistryErrorCode.ManifestUnknown or RegistryErrorCode.NameUnknown => 404,
        RegistryErrorCode.Unauthorized => 401,
        RegistryErrorCode.Denied => 403,
        RegistryErrorCode.Unsupported => 405,
        RegistryErrorCode.TooManyRequests => 429,
        RegistryErrorCode.RangeInvalid => 416,
        RegistryErrorCode.Unavailable => 503,
        _ => 400,
    };
}
