using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ClusterKit.Shared.Identity;

/// <summary>The root certificates a node trusts: one normally, the old and the new root during a CA rotation.</summary>
public sealed class TrustBundle
{
    private TrustBundle(IReadOnlyList<X509Certificate2> roots)
    {
        Roots = roots;
        Digests = roots.Select(CertificateDigest.Of).ToArray();
    }

    public IReadOnlyList<X509Certificate2> Roots { get; }

    /// <summary>The <see cref="CertificateDigest"/> of each root, in the order of <see cref="Roots"/>.</summary>
    public IReadOnlyList<string> Digests { get; }

    public static TrustBundle Of(params IEnumerable<X509Certificate2> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var list = new List<X509Certificate2>();
        foreach (var root in roots)
        {
            if (!IsCa(root))
            {
                throw new ArgumentException($"certificate '{root.Subject}' (digest {CertificateDigest.Of(root)}) is not a CA certificate; a trust bundle holds only root CAs");
            }

            // A root without its private key: the bundle is handed to every node.
            var publicOnly = X509CertificateLoader.LoadCertificate(root.RawData);
            if (!list.Any(r => r.RawDataMemory.Span.SequenceEqual(publicOnly.RawDataMemory.Span)))
            {
                list.Add(publicOnly);
            }
        }

        return list.Count == 0 ? throw new ArgumentException("a trust bundle needs at least one root certificate") : new TrustBundle(list);
    }

    /// <summary>Reads one or more PEM CERTIFICATE blocks; <paramref name="source"/> names the file or message in errors.</summary>
    public static TrustBundle FromPem(string pem, string source = "trust bundle")
    {
        ArgumentNullException.ThrowIfNull(pem);
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{source} holds a CERTIFICATE block that is not a valid certificate: {e.Message}", e);
        }

        if (collection.Count == 0)
        {
            throw new InvalidDataException($"{source} holds no PEM CERTIFICATE block; expected one or more root CA certificates");
        }

        try
        {
            return Of(collection);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    public string ToPem()
    {
        var text = new StringBuilder();
        foreach (var root in Roots)
        {
            text.Append(root.ExportCertificatePem()).Append('\n');
        }

        return text.ToString();
    }

    public bool Contains(string digest) => Digests.Contains(digest, StringComparer.Ordinal);

    public TrustBundle With(X509Certificate2 root) => Of([.. Roots, root]);

    public TrustBundle Without(string digest)
    {
        var kept = Roots.Where(r => CertificateDigest.Of(r) != digest).ToArray();
        if (kept.Length == Roots.Count)
        {
            throw new ArgumentException($"root {digest} is not in the trust bundle (roots: {string.Join(", ", Digests)})");
        }

        return kept.Length == 0 ? throw new ArgumentException($"root {digest} is the bundle's only root; a trust bundle needs at least one") : new TrustBundle(kept);
    }

    public override string ToString() => $"trust bundle of {Roots.Count} root(s): {string.Join(", ", Digests)}";

    private static bool IsCa(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
}
