using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Ca;

/// <summary>Where the cluster's CA stands: one root (stable), or an old and a new root while every node moves to the new one.</summary>
public enum CaRotationPhase
{
    Stable,
    Rotating,
}

/// <summary>
/// The plan of <c>ck cluster ca --rotate</c> as pure, immutable state transitions:
/// <list type="number">
/// <item><see cref="Start"/>: a new root signs every certificate from now on; every node trusts old + new.</item>
/// <item><see cref="CertificateIssued"/>: each node gets a certificate from the new root (renewing at once, see <see cref="NeedsNewCertificate"/>).</item>
/// <item>When no node holds an old-root certificate any more (issued or removed), the old root is dropped: stable again.</item>
/// </list>
/// </summary>
public sealed class CaRotation
{
    private CaRotation(RootCa signingRoot, RootCa? retiringRoot, IEnumerable<string> nodesOnRetiringRoot)
    {
        SigningRoot = signingRoot;
        RetiringRoot = retiringRoot;
        NodesOnRetiringRoot = nodesOnRetiringRoot.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Trust = retiringRoot is null
            ? TrustBundle.Of(signingRoot.Certificate)
            : TrustBundle.Of(retiringRoot.Certificate, signingRoot.Certificate);
    }

    public CaRotationPhase Phase => RetiringRoot is null ? CaRotationPhase.Stable : CaRotationPhase.Rotating;

    /// <summary>The root that signs every new certificate (the new root while rotating).</summary>
    public RootCa SigningRoot { get; }

    /// <summary>The old root while rotating, else null.</summary>
    public RootCa? RetiringRoot { get; }

    /// <summary>The nodes (and admin clients) still holding a certificate from the old root, sorted.</summary>
    public IReadOnlyList<string> NodesOnRetiringRoot { get; }

    /// <summary>What every node trusts now: the old and the new root while rotating.</summary>
    public TrustBundle Trust { get; }

    public static CaRotation Stable(RootCa root) => new(root ?? throw new ArgumentNullException(nameof(root)), null, []);

    /// <summary>Rebuilds a state read from the store; <paramref name="retiringRoot"/> null means stable.</summary>
    public static CaRotation FromParts(RootCa signingRoot, RootCa? retiringRoot, IEnumerable<string> nodesOnRetiringRoot)
    {
        ArgumentNullException.ThrowIfNull(signingRoot);
        ArgumentNullException.ThrowIfNull(nodesOnRetiringRoot);
        var pending = nodesOnRetiringRoot.ToArray();
        if (retiringRoot is null && pending.Length > 0)
        {
            throw new ArgumentException($"a stable CA has no nodes on a retiring root, but {pending.Length} were given ({string.Join(", ", pending)})");
        }

        return retiringRoot is not null && pending.Length == 0 ? Stable(signingRoot) : new(signingRoot, retiringRoot, pending);
    }

    /// <param name="nodeIds">Every node and admin client that holds a certificate now: each must get one from <paramref name="newRoot"/>.</param>
    public CaRotation Start(RootCa newRoot, IEnumerable<string> nodeIds)
    {
        ArgumentNullException.ThrowIfNull(newRoot);
        ArgumentNullException.ThrowIfNull(nodeIds);
        if (Phase == CaRotationPhase.Rotating)
        {
            throw new InvalidOperationException(
                $"a CA rotation to root {SigningRoot.Digest} is in progress ({NodesOnRetiringRoot.Count} node(s) still on the old root: {Sample()}); wait until it finishes");
        }

        if (newRoot.ClusterId != SigningRoot.ClusterId)
        {
            throw new ArgumentException($"new root {newRoot.Digest} belongs to cluster {newRoot.ClusterId}, not to this cluster {SigningRoot.ClusterId}");
        }

        if (newRoot.Digest == SigningRoot.Digest)
        {
            throw new ArgumentException($"root {newRoot.Digest} is already the cluster's CA; a rotation needs a new root");
        }

        var nodes = nodeIds.ToArray();
        return nodes.Length == 0 ? Stable(newRoot) : new(newRoot, SigningRoot, nodes);
    }

    /// <summary>Records that <paramref name="nodeId"/> got a certificate from the root <paramref name="rootDigest"/>.</summary>
    public CaRotation CertificateIssued(string nodeId, string rootDigest)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(rootDigest);
        if (rootDigest != SigningRoot.Digest)
        {
            throw new ArgumentException($"node {nodeId}'s certificate is from root {rootDigest}; only the signing root {SigningRoot.Digest} issues certificates now");
        }

        return Without(nodeId);
    }

    /// <summary>A node left the cluster; it no longer holds up the end of the rotation.</summary>
    public CaRotation NodeRemoved(string nodeId) => Without(nodeId ?? throw new ArgumentNullException(nameof(nodeId)));

    /// <summary>True if <paramref name="certificate"/> was not issued by the signing root: its holder should renew now.</summary>
    public bool NeedsNewCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return !IssuedBy(certificate, SigningRoot.Certificate);
    }

    public override string ToString() => Phase == CaRotationPhase.Stable
        ? $"CA {SigningRoot.Digest} (stable)"
        : $"CA rotating from {RetiringRoot!.Digest} to {SigningRoot.Digest}; {NodesOnRetiringRoot.Count} node(s) still on the old root: {Sample()}";

    private CaRotation Without(string nodeId)
    {
        if (RetiringRoot is null)
        {
            return this;
        }

        var pending = NodesOnRetiringRoot.Where(n => n != nodeId).ToArray();
        // The last node off the old root ends the rotation: the old root leaves the trust bundle.
        return pending.Length == 0 ? Stable(SigningRoot) : new(SigningRoot, RetiringRoot, pending);
    }

    private string Sample() => NodesOnRetiringRoot.Count <= 5
        ? string.Join(", ", NodesOnRetiringRoot)
        : string.Join(", ", NodesOnRetiringRoot.Take(5)) + ", ...";

    private static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 root)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(root.SubjectName.RawData))
        {
            return false;
        }

        var authorityKey = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        var rootKey = root.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
        return authorityKey is { } a && rootKey is { } r && a.Span.SequenceEqual(r.Span);
    }
}
