using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>The digest that pins a root CA in join tokens and messages: lowercase base36 of the SHA-256 of its DER encoding (50 characters).</summary>
public static class CertificateDigest
{
    /// <summary>Characters in a digest.</summary>
    public static readonly int Length = Base36.Width(SHA256.HashSizeInBytes);

    public static string Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Base36.Encode(SHA256.HashData(certificate.RawDataMemory.Span));
    }
}
