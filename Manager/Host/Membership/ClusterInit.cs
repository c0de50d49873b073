using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterObject = ClusterKit.Proto.Manager.V1.Cluster;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Everything `ck cluster init` creates before Raft starts: the cluster id, the root CA, the
/// join tokens, this manager's certificate, an admin certificate for the operator, and the
/// first transaction (the cluster object and this manager's node).
/// </summary>
internal sealed class ClusterInit
{
    private ClusterInit(ClusterObject cluster, NodeCredentials credentials, NodeCredentials admin, Transaction transaction, ClusterAuthority authority, SealingKey? unlockKey)
    {
        UnlockKey = unlockKey;
        Cluster = cluster;
        Credentials = credentials;
        Admin = admin;
        Transaction = transaction;
        Authority = authority;
    }

    public ClusterObject Cluster { get; }

    public NodeCredentials Credentials { get; }

    public NodeCredentials Admin { get; }

    public Transaction Transaction { get; }

    public ClusterAuthority Authority { get; }

    /// <summary>With autolock: the key the operator enters after a restart.</summary>
    public SealingKey? UnlockKey { get; }

    /// <summary>
    /// The new cluster's objects, with a new data key that seals its secrets; the caller saves that
    /// key before the first transaction reaches the log.
    /// </summary>
    public static ClusterInit Create(ManagerOptions options, TimeProvider time, SealingKey dataKey, bool autolock)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        var clusterId = NodeIdentity.NewId();
        var root = RootCa.Create(clusterId, time);
        var unlockKey = autolock ? SealingKey.Create() : null;
        var cluster = ClusterAuthority.NewCluster(root, JoinTokens.Create(), time.GetUtcNow(), CertificateIssuer.DefaultValidity, options.HeartbeatPeriod, dataKey, unlockKey);
        var authority = ClusterAuthority.FromStore(cluster, dataKey, "the new cluster's data key was not kept");
        var issuer = authority.Issuer(time);
        var credentials = IssueWithNewKey(issuer, new NodeIdentity(clusterId, NodeIdentity.NewId(), IdentityRole.Manager), authority.Trust, options.ApiAddress);
        var admin = IssueWithNewKey(issuer, new NodeIdentity(clusterId, "admin-" + NodeIdentity.NewId(), IdentityRole.Admin), authority.Trust);
        var self = ManagerNode(credentials.Identity.NodeId, options.RaftEndPoint.ToString(), options.ApiAddress);
        var transaction = new Transaction
        {
            Mutations =
            {
                new Mutation { Kind = Mutation.Types.Kind.Create, Object = StoreObjects.Wrap(cluster) },
                new Mutation { Kind = Mutation.Types.Kind.Create, Object = StoreObjects.Wrap(self) },
            },
        };
        return new ClusterInit(cluster, credentials, admin, transaction, authority, unlockKey);
    }

    /// <summary>A certificate for <paramref name="identity"/> with a key made here (the manager's own, or the operator's admin key).</summary>
    public static NodeCredentials IssueWithNewKey(CertificateIssuer issuer, NodeIdentity identity, TrustBundle trust, string? serverAddress = null)
    {
        using var key = NodeKey.Create();
        var certificate = issuer.Issue(identity, NodeKey.CreateSigningRequestPem(key), serverAddress);
        return new NodeCredentials(NodeKey.WithCertificate(key, certificate.ExportCertificatePem()), trust);
    }

    /// <summary>The node object of a manager, as its join or init records it.</summary>
    public static Node ManagerNode(string nodeId, string raftAddress, string apiAddress) => new()
    {
        Id = nodeId,
        Role = StoreRole.Manager,
        Spec = new NodeSpec { DesiredRole = StoreRole.Manager, Availability = NodeAvailability.Active },
        Description = ThisHost(),
        Status = new NodeStatus { State = NodeState.Unknown, Message = "manager joined; no worker session yet" },
        RaftAddress = raftAddress,
        ApiAddress = apiAddress,
    };

    public static NodeDescription ThisHost() => new()
    {
        Hostname = Environment.MachineName,
        Platform = new Platform { Os = "linux", Architecture = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() },
        // As the worker reports its own (e.g. "1.0.0+abc123"), so that `ck node ls` compares like with like.
        EngineVersion = typeof(ClusterInit).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ClusterInit).Assembly.GetName().Version?.ToString() ?? "unknown",
    };

    public InitResponse Response()
    {
        var response = new InitResponse
        {
            ClusterId = Cluster.Id,
            NodeId = Credentials.Identity.NodeId,
            WorkerToken = Authority.Tokens.Token(IdentityRole.Worker, Authority.TokenDigest).ToString(),
            ManagerToken = Authority.Tokens.Token(IdentityRole.Manager, Authority.TokenDigest).ToString(),
            AdminCertificatePem = Admin.Certificate.ExportCertificatePem(),
            AdminKeyPem = Admin.Certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
            UnlockKey = UnlockKey is null ? string.Empty : Store.Sealing.UnlockKey.Format(UnlockKey),
        };
        response.RootCertificatesPem.AddRange(Authority.Trust.Roots.Select(r => r.ExportCertificatePem()));
        return response;
    }
}
