using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Files;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Cli.Control;

/// <summary>
/// The operator's admin credentials in ck's config directory: <c>admin.pem</c> (certificate and key) and
/// <c>trust.pem</c> (the cluster's roots), mode 0600, each replaced atomically. Shared/Identity's CertificateFiles
/// keeps a node's files under fixed node names, so ck keeps its own pair beside them in the same format.
/// </summary>
internal sealed class AdminCredentialFiles(string directory)
{
    public const string AdminFileName = "admin.pem";
    public const string TrustFileName = "trust.pem";

    private const UnixFileMode PrivateKeyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateKeyFile | UnixFileMode.UserExecute;

    public string Directory { get; } = directory;

    public string AdminPath => Path.Combine(Directory, AdminFileName);

    public string TrustPath => Path.Combine(Directory, TrustFileName);

    public bool Exist => File.Exists(AdminPath) && File.Exists(TrustPath);

    /// <summary>The config directory: <paramref name="option"/>, else $XDG_CONFIG_HOME/clusterkit, else ~/.config/clusterkit.</summary>
    public static string ResolveDirectory(string? option, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrEmpty(option))
        {
            return Path.GetFullPath(option);
        }

        var xdg = environment("XDG_CONFIG_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "clusterkit");
        }

        var home = environment("HOME");
        return string.IsNullOrEmpty(home)
            ? throw new Shared.Parsing.SpecFormatException("neither --config-dir, $XDG_CONFIG_HOME nor $HOME is set; allowed: give --config-dir DIR for ck's admin certificate")
            : Path.Combine(home, ".config", "clusterkit");
    }

    /// <summary>Builds the credentials from what `Init` returned (certificate, key and roots as PEM).</summary>
    public static NodeCredentials FromPem(string certificatePem, string keyPem, IEnumerable<string> rootPems)
    {
        var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        var trust = TrustBundle.FromPem(string.Join('\n', rootPems), "the manager's root certificates");
        return new NodeCredentials(certificate, trust);
    }

    /// <summary>Trust first: a crash in between leaves the old certificate with a bundle that still includes its root.</summary>
    public void Save(NodeCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials.Identity.Role != NodeRole.Admin)
        {
            throw new ArgumentException($"ck keeps an admin certificate, but this one is for {credentials.Identity}");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ck's admin certificate files need Unix file modes");
        }

        System.IO.Directory.CreateDirectory(Directory, PrivateDirectory);
        AtomicFile.WriteText(TrustPath, credentials.Trust.ToPem());
        using var key = credentials.Certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"admin certificate '{credentials.Certificate.Subject}' has no ECDSA private key to save");
        AtomicFile.WriteText(AdminPath, credentials.Certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>The saved credentials; a one-line error when missing, too open or corrupt.</summary>
    public NodeCredentials Load(string host)
    {
        if (!Exist)
        {
            throw new ClusterCommandException(
                $"no admin certificate for --host {host}: {AdminPath} or {TrustPath} is missing; run `ck cluster init` on this host or copy {AdminFileName} and {TrustFileName} from the host that ran it into {Directory} (mode 0600)");
        }

        var adminText = ReadPrivate(AdminPath, "admin certificate file");
        var trustText = ReadPrivate(TrustPath, "trust bundle file");
        NodeCredentials credentials;
        try
        {
            credentials = new NodeCredentials(X509Certificate2.CreateFromPem(adminText, adminText), TrustBundle.FromPem(trustText, $"trust bundle file {TrustPath}"));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException or InvalidDataException)
        {
            throw new ClusterCommandException($"admin certificate file {AdminPath} or {TrustPath} is unusable: {e.Message.ReplaceLineEndings(" ").Trim()}");
        }

        return credentials.Identity.Role == NodeRole.Admin
            ? credentials
            : throw new ClusterCommandException($"admin certificate file {AdminPath} holds a {NodeIdentity.RoleName(credentials.Identity.Role)} certificate ({credentials.Identity.NodeId}); allowed: an admin certificate from `ck cluster init`");
    }

    /// <summary>What the directory holds now, without throwing: nothing, an admin certificate of some cluster, or why the files are unusable.</summary>
    public SavedAdmin Saved()
    {
        var admin = File.Exists(AdminPath);
        var trust = File.Exists(TrustPath);
        if (!admin && !trust)
        {
            return SavedAdmin.None;
        }

        if (admin != trust)
        {
            return new SavedAdmin(null, $"{(admin ? TrustPath : AdminPath)} is missing");
        }

        try
        {
            return new SavedAdmin(Load(Directory).Identity.ClusterId, null);
        }
        catch (ClusterCommandException e)
        {
            return new SavedAdmin(null, e.Message);
        }
    }

    /// <summary>
    /// Follows a CA rotation: replaces trust.pem with <paramref name="rootPems"/> (from a trusted channel) when they are
    /// roots of the admin certificate's cluster and differ from the saved ones. Without it ck would refuse the managers
    /// once they present certificates from the new root. False when nothing was written.
    /// </summary>
    public bool FollowRoots(IEnumerable<string> rootPems, string source)
    {
        if (!Exist)
        {
            return false;
        }

        NodeCredentials current;
        try
        {
            current = Load(source);
        }
        catch (ClusterCommandException)
        {
            // Unusable files are reported when --host needs them; following roots is a side job.
            return false;
        }

        var roots = TrustBundle.FromPem(string.Join('\n', rootPems), $"the roots sent by {source}");
        if (roots.Digests.SequenceEqual(current.Trust.Digests, StringComparer.Ordinal)
            || roots.Roots.Any(r => PinnedRoot.ClusterIdOf(r, source) != current.Identity.ClusterId))
        {
            return false;
        }

        AtomicFile.WriteText(TrustPath, roots.ToPem());
        return true;
    }

    private static string ReadPrivate(string path, string what)
    {
        try
        {
            return Shared.Files.PrivateKeyFile.ReadText(path, what);
        }
        catch (InvalidDataException e)
        {
            throw new ClusterCommandException(e.Message, e);
        }
    }
}
