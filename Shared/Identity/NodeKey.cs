using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>A node's own key pair and certificate signing request: the private key is made on the node and never leaves it.</summary>
public static class NodeKey
{
    public static ECDsa Create() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A PKCS#10 request (PEM) proving possession of <paramref name="key"/>; the manager decides the subject.</summary>
    public static string CreateSigningRequestPem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new CertificateRequest("CN=clusterkit-node", key, HashAlgorithmName.SHA256);
        return request.CreateSigningRequestPem();
    }

    /// <summary>Joins the certificate a manager issued (PEM) with the node's key; a one-line error if they do not match.</summary>
    public static X509Certificate2 WithCertificate(ECDsa key, string certificatePem)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        try
        {
            return certificate.CopyWithPrivateKey(key);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"certificate '{certificate.Subject}' was not issued for this node's key: {e.Message}", e);
        }
    }
}
