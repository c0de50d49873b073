using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Files;

namespace ClusterKit.Shared.Identity;

/// <summary>
/// A node's credentials on disk: <c>node.pem</c> (certificate and private key, one file so they are replaced together)
/// and <c>trust.pem</c> (the trust bundle), mode 0600, each written atomically (<see cref="AtomicFile"/>).
/// </summary>
public sealed class CertificateFiles
{
    public const string NodeFileName = "node.pem";
    public const string TrustFileName = "trust.pem";

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public CertificateFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    public string Directory { get; }

    public string NodePath => Path.Combine(Directory, NodeFileName);

    public string TrustPath => Path.Combine(Directory, TrustFileName);

    public bool Exist => File.Exists(NodePath) && File.Exists(TrustPath);

    /// <summary>Writes the trust bundle first: during a CA rotation it only grows before certificates change, so a crash in between leaves a usable pair.</summary>
    public void Save(NodeCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("node certificate files need Unix file modes");
        }

        System.IO.Directory.CreateDirectory(Directory, DirectoryMode);
        AtomicFile.WriteText(TrustPath, credentials.Trust.ToPem());
        AtomicFile.WriteText(NodePath, credentials.Certificate.ExportCertificatePem() + "\n" + ExportKeyPem(credentials.Certificate) + "\n");
    }

    public NodeCredentials Load()
    {
        var nodeText = ReadPrivate(NodePath, "node certificate file");
        var trustText = ReadPrivate(TrustPath, "trust bundle file");
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(nodeText, nodeText);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"node certificate file {NodePath} is corrupt: {OneLine(e.Message)}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"node certificate file {NodePath} is corrupt: {OneLine(e.Message)}", e);
        }

        var trust = TrustBundle.FromPem(trustText, $"trust bundle file {TrustPath}");
        try
        {
            return new NodeCredentials(certificate, trust);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"node certificate file {NodePath} does not hold a node certificate: {e.Message}", e);
        }
    }

    private static string ExportKeyPem(X509Certificate2 certificate)
    {
        using var ecdsa = certificate.GetECDsaPrivateKey();
        if (ecdsa is not null)
        {
            return ecdsa.ExportPkcs8PrivateKeyPem();
        }

        using var rsa = certificate.GetRSAPrivateKey();
        return rsa is not null
            ? rsa.ExportPkcs8PrivateKeyPem()
            : throw new ArgumentException($"certificate '{certificate.Subject}' has no ECDSA or RSA private key to save");
    }

    private static string ReadPrivate(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{what} {path} is missing; join the cluster first (`ck cluster join`) or point to the directory that holds it", path);
        }

        return PrivateKeyFile.ReadText(path, what);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
