using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>Decides whether a TLS peer's certificate is a current node certificate of this cluster with an allowed role.</summary>
public sealed class PeerCertificateValidator
{
    private readonly string _clusterId;
    private readonly Func<TrustBundle> _trust;
    private readonly TimeProvider _timeProvider;

    /// <param name="trust">Read on every validation, so that a CA rotation's new bundle applies to the next handshake.</param>
    public PeerCertificateValidator(string clusterId, Func<TrustBundle> trust, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        _clusterId = clusterId;
        _trust = trust ?? throw new ArgumentNullException(nameof(trust));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    /// <param name="certificate">The peer's leaf certificate.</param>
    /// <param name="allowedRoles">The roles that may connect here (e.g. only managers on the Raft endpoint).</param>
    /// <param name="presented">Other certificates the peer sent, used to name a foreign root in the reason.</param>
    public PeerValidationResult Validate(X509Certificate? certificate, IReadOnlyCollection<NodeRole> allowedRoles, X509Certificate2Collection? presented = null)
    {
        ArgumentNullException.ThrowIfNull(allowedRoles);
        if (certificate is null)
        {
            return PeerValidationResult.Refused("the peer presented no certificate; a ClusterKit node certificate is required");
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!NodeIdentity.TryFromSubject(leaf.SubjectName, out var peer, out var subjectError))
        {
            return PeerValidationResult.Refused(subjectError);
        }

        var who = $"certificate of node {peer.NodeId}";
        var now = _timeProvider.GetUtcNow();
        var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
        if (now > notAfter)
        {
            return PeerValidationResult.Refused($"{who} expired at {Format(notAfter)} (now {Format(now)}); the node must renew it or join again", peer);
        }

        if (now < notBefore)
        {
            return PeerValidationResult.Refused($"{who} is not valid until {Format(notBefore)} (now {Format(now)}); check the clocks of both hosts", peer);
        }

        var trust = _trust();
        var chainError = ChainError(leaf, trust, now, presented);
        if (chainError is not null)
        {
            return PeerValidationResult.Refused($"{who} {chainError}", peer);
        }

        if (!string.Equals(peer.ClusterId, _clusterId, StringComparison.Ordinal))
        {
            return PeerValidationResult.Refused($"{who} belongs to cluster {peer.ClusterId}, not to this cluster {_clusterId}", peer);
        }

        if (!allowedRoles.Contains(peer.Role))
        {
            var allowed = string.Join(", ", allowedRoles.Select(NodeIdentity.RoleName));
            return PeerValidationResult.Refused($"role {NodeIdentity.RoleName(peer.Role)} is not allowed here (node {peer.NodeId}; allowed: {allowed})", peer);
        }

        return PeerValidationResult.Accepted(peer);
    }

    private static string? ChainError(X509Certificate2 leaf, TrustBundle trust, DateTimeOffset now, X509Certificate2Collection? presented)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(trust.Roots.ToArray());
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        if (presented is not null)
        {
            policy.ExtraStore.AddRange(presented);
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            var ours = string.Join(" or ", trust.Digests);
            var elements = chain.ChainElements;
            var top = elements.Count > 1 ? elements[^1].Certificate : null;
            var foreign = top is not null && top.SubjectName.RawData.AsSpan().SequenceEqual(top.IssuerName.RawData)
                ? $"root digest {CertificateDigest.Of(top)}"
                : $"issuer '{leaf.Issuer}'";
            return $"was issued by another CA ({foreign}), this cluster's CA is {ours}";
        }

        var statuses = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"failed chain validation ({flags}): {statuses}";
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
