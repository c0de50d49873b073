using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using Cluster = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// The cluster's CA and join tokens as the replicated store keeps them (the <see cref="Cluster"/>
/// object), turned into the identity library's types and back. The root keys and join secrets are
/// sealed with the cluster's data key (ADR 0011); without it (a locked manager) the roots are
/// known for trust, but nothing can be issued, verified or changed.
/// </summary>
internal sealed class ClusterAuthority
{
    private readonly JoinTokens? _tokens;
    private readonly SealingKey? _dataKey;
    private readonly string _unavailable;

    private ClusterAuthority(Cluster stored, CaRotation rotation, JoinTokens? tokens, TimeSpan validity, SealingKey? dataKey, string unavailable)
    {
        Stored = stored;
        Rotation = rotation;
        _tokens = tokens;
        Validity = validity;
        _dataKey = dataKey;
        _unavailable = unavailable;
    }

    public Cluster Stored { get; }

    public string ClusterId => Stored.Id;

    public CaRotation Rotation { get; }

    /// <summary>The join secrets; a FailedPrecondition error saying why when this manager cannot open them.</summary>
    public JoinTokens Tokens => _tokens ?? throw Unavailable();

    public TimeSpan Validity { get; }

    /// <summary>The digest join tokens pin: the signing root's.</summary>
    public string TokenDigest => Rotation.SigningRoot.Digest;

    public TrustBundle Trust => Rotation.Trust;

    /// <summary>Whether the keys and secrets could be opened (always for a cluster from before sealing).</summary>
    public bool CanSign => _tokens is not null;

    public static ClusterAuthority FromStore(Cluster stored, DataKeyring keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(stored);
        return FromStore(stored, keys.Current, keys.UnavailableMessage(stored.Autolock));
    }

    public static ClusterAuthority FromStore(Cluster stored, SealingKey? dataKey, string unavailable)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var secrets = ClusterSecrets.Open(stored, dataKey);
        var signing = RootCa.FromPem(stored.SigningRootCertificatePem, secrets?.SigningRootKeyPem);
        var retiring = string.IsNullOrEmpty(stored.RetiringRootCertificatePem)
            ? null
            : RootCa.FromPem(stored.RetiringRootCertificatePem, secrets?.RetiringRootKeyPem);
        var rotation = CaRotation.FromParts(signing, retiring, stored.NodesOnRetiringRoot);
        var tokens = secrets is null ? null : new JoinTokens(secrets.WorkerJoinSecret, secrets.ManagerJoinSecret, [.. stored.RetiredWorkerSecrets], [.. stored.RetiredManagerSecrets]);
        var validity = stored.CertificateValidityMs > 0 ? TimeSpan.FromMilliseconds(stored.CertificateValidityMs) : CertificateIssuer.DefaultValidity;
        return new ClusterAuthority(stored, rotation, tokens, validity, dataKey, unavailable);
    }

    /// <summary>The cluster object of a new cluster, its secrets sealed with <paramref name="dataKey"/>.</summary>
    public static Cluster NewCluster(RootCa root, JoinTokens tokens, DateTimeOffset now, TimeSpan certificateValidity, TimeSpan heartbeatPeriod, SealingKey dataKey, SealingKey? unlockKey)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(dataKey);
        var cluster = new Cluster
        {
            Id = root.ClusterId,
            CreatedUnixMs = now.ToUnixTimeMilliseconds(),
            CertificateValidityMs = (long)certificateValidity.TotalMilliseconds,
            HeartbeatPeriodMs = (long)heartbeatPeriod.TotalMilliseconds,
        };
        if (unlockKey is not null)
        {
            ClusterSecrets.SetUnlockKey(cluster, dataKey, unlockKey);
        }

        return ClusterSecrets.Seal(cluster, CaRotation.Stable(root), tokens, dataKey);
    }

    public CertificateIssuer Issuer(TimeProvider time) => CanSign ? new(Rotation.SigningRoot, time, Validity) : throw Unavailable();

    /// <summary>The stored object with a new CA state.</summary>
    public Cluster With(CaRotation rotation) => ClusterSecrets.Seal(Stored, rotation, Tokens, DataKeyForWrite());

    /// <summary>The stored object with new tokens.</summary>
    public Cluster With(JoinTokens tokens) => ClusterSecrets.Seal(Stored, Rotation, tokens, DataKeyForWrite());

    /// <summary>The same state with every secret sealed under <paramref name="dataKey"/> (a cluster from before sealing).</summary>
    public Cluster SealedWith(SealingKey dataKey) => ClusterSecrets.Seal(Stored, Rotation, Tokens, dataKey);

    /// <summary>The unlock key of an autolocked cluster (null when autolock is off).</summary>
    public SealingKey? UnlockKey() => Stored.Autolock ? ClusterSecrets.OpenUnlockKey(Stored, _dataKey ?? throw Unavailable()) : null;

    /// <summary>The stored object with a new unlock key.</summary>
    public Cluster WithUnlockKey(SealingKey unlockKey)
    {
        var cluster = Stored.Clone();
        ClusterSecrets.SetUnlockKey(cluster, _dataKey ?? throw Unavailable(), unlockKey);
        return cluster;
    }

    // A cluster from before sealing stays in clear until a manager holding the data key seals it.
    private SealingKey? DataKeyForWrite() => _dataKey ?? (string.IsNullOrEmpty(Stored.DataKeyId) ? null : throw Unavailable());

    private RpcException Unavailable() => new(new Status(StatusCode.FailedPrecondition, _unavailable));
}
