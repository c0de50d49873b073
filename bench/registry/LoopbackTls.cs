using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// A throwaway CA and a server certificate for 127.0.0.1, as PEM files: the reference registry serves with them and
/// skopeo trusts the CA through a certificate directory (`--src-cert-dir`/`--dest-cert-dir` read its *.crt files).
/// </summary>
internal sealed record LoopbackTls(string CertificatePath, string KeyPath, string TrustDirectory)
{
    public static LoopbackTls Create(string directory, TimeProvider time)
    {
        var trust = Path.Combine(directory, "trust");
        Directory.CreateDirectory(trust);
        var now = time.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=ClusterKit bench CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var certificate = Path.Combine(directory, "server.crt");
        var privateKey = Path.Combine(directory, "server.key");
        File.WriteAllText(certificate, leaf.ExportCertificatePem());
        File.WriteAllText(privateKey, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(privateKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(trust, "ca.crt"), ca.ExportCertificatePem());
        return new LoopbackTls(certificate, privateKey, trust);
    }
}
