using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Cli.Control;

/// <summary>Picks, among the roots a not yet trusted manager sent, the one the join token pins (pure).</summary>
internal static class PinnedRoot
{
    private const string OrganizationOid = "2.5.4.10";

    /// <summary>The pinned root; a one-line <see cref="ClusterCommandException"/> naming both digests when none matches.</summary>
    public static X509Certificate2 Select(JoinToken token, IReadOnlyList<string> rootPems, string remote)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(rootPems);
        var roots = new List<X509Certificate2>();
        foreach (var pem in rootPems)
        {
            try
            {
                roots.Add(X509Certificate2.CreateFromPem(pem));
            }
            catch (CryptographicException e)
            {
                throw new ClusterCommandException($"the manager at {remote} sent a root certificate that is not a valid PEM certificate ({e.Message.ReplaceLineEndings(" ").Trim()}); it is not a ClusterKit manager", e);
            }
        }

        if (roots.Count == 0)
        {
            throw new ClusterCommandException($"the manager at {remote} sent no root certificate; it is not initialized (run `ck cluster init` there) or not a ClusterKit manager");
        }

        return roots.FirstOrDefault(token.Pins) ?? throw new ClusterCommandException(
            $"the manager at {remote} is not of the cluster this token is for: its CA digest is {string.Join(" or ", roots.Select(CertificateDigest.Of))}, " +
            $"the token pins {token.CaDigest} (a token of another cluster, or the CA was rotated since: get a current one with `ck cluster join-token worker|manager`)");
    }

    /// <summary>The cluster id a root CA names in its subject (O=&lt;cluster id&gt;).</summary>
    public static string ClusterIdOf(X509Certificate2 root, string remote)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == OrganizationOid)
            .Select(r => r.GetSingleElementValue())
            .FirstOrDefault(v => !string.IsNullOrEmpty(v))
            ?? throw new ClusterCommandException($"the root certificate '{root.Subject}' from {remote} names no cluster (O=<cluster id>); it is not a ClusterKit root CA");
    }
}
