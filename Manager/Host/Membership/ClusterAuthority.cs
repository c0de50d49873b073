using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;
using Cluster = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// The cluster's CA and join tokens as the replicated store keeps them (the <see cref="Cluster"/>
/// object), turned into the identity library's types and back.
/// </summary>
internal sealed class ClusterAuthority
{
    private ClusterAuthority(Cluster stored, CaRotation rotation, JoinTokens tokens, TimeSpan validity)
    {
        Stored = stored;
        Rotation = rotation;
        Tokens = tokens;
        Validity = validity;
    }

    public Cluster Stored { get; }

    public string ClusterId => Stored.Id;

    public CaRotation Rotation { get; }

    public JoinTokens Tokens { get; }

    public TimeSpan Validity { get; }

    /// <summary>The digest join tokens pin: the signing root's.</summary>
    public string TokenDigest => Rotation.SigningRoot.Digest;

    public static ClusterAuthority FromStore(Cluster stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var signing = RootCa.FromPem(stored.SigningRootCertificatePem, stored.SigningRootKeyPem);
        var retiring = string.IsNullOrEmpty(stored.RetiringRootCertificatePem)
            ? null
            : RootCa.FromPem(stored.RetiringRootCertificatePem, stored.RetiringRootKeyPem);
        var rotation = CaRotation.FromParts(signing, retiring, stored.NodesOnRetiringRoot);
        var tokens = new JoinTokens(stored.WorkerJoinSecret, stored.ManagerJoinSecret, [.. stored.RetiredWorkerSecrets], [.. stored.RetiredManagerSecrets]);
        var validity = stored.CertificateValidityMs > 0 ? TimeSpan.FromMilliseconds(stored.CertificateValidityMs) : CertificateIssuer.DefaultValidity;
        return new ClusterAuthority(stored, rotation, tokens, validity);
    }

    /// <summary>The cluster object of a new cluster.</summary>
    public static Cluster NewCluster(RootCa root, JoinTokens tokens, DateTimeOffset now, TimeSpan certificateValidity, TimeSpan heartbeatPeriod)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tokens);
        var cluster = new Cluster
        {
            Id = root.ClusterId,
            CreatedUnixMs = now.ToUnixTimeMilliseconds(),
            CertificateValidityMs = (long)certificateValidity.TotalMilliseconds,
            HeartbeatPeriodMs = (long)heartbeatPeriod.TotalMilliseconds,
        };
        return With(cluster, CaRotation.Stable(root), tokens);
    }

    public CertificateIssuer Issuer(TimeProvider time) => new(Rotation.SigningRoot, time, Validity);

    public TrustBundle Trust => Rotation.Trust;

    /// <summary>The stored object with a new CA state.</summary>
    public Cluster With(CaRotation rotation) => With(Stored, rotation, Tokens);

    /// <summary>The stored object with new tokens.</summary>
    public Cluster With(JoinTokens tokens) => With(Stored, Rotation, tokens);

    private static Cluster With(Cluster stored, CaRotation rotation, JoinTokens tokens)
    {
        var cluster = stored.Clone();
        cluster.SigningRootCertificatePem = rotation.SigningRoot.CertificatePem;
        cluster.SigningRootKeyPem = rotation.SigningRoot.ExportKeyPem();
        cluster.RetiringRootCertificatePem = rotation.RetiringRoot?.CertificatePem ?? string.Empty;
        cluster.RetiringRootKeyPem = rotation.RetiringRoot?.ExportKeyPem() ?? string.Empty;
        cluster.NodesOnRetiringRoot.Clear();
        cluster.NodesOnRetiringRoot.AddRange(rotation.NodesOnRetiringRoot);
        cluster.WorkerJoinSecret = tokens.WorkerSecret;
        cluster.ManagerJoinSecret = tokens.ManagerSecret;
        cluster.RetiredWorkerSecrets.Clear();
        cluster.RetiredWorkerSecrets.AddRange(tokens.RetiredWorkerSecrets);
        cluster.RetiredManagerSecrets.Clear();
        cluster.RetiredManagerSecrets.AddRange(tokens.RetiredManagerSecrets);
        return cluster;
    }
}
