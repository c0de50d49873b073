using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Remote;
using Grpc.Core;
using ClusterObject = ClusterKit.Proto.Manager.V1.Cluster;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Manager.Host.Control;

/// <summary>The cluster's CA as a service: roots for joiners, token checks, certificates for joiners and renewals.</summary>
internal sealed partial class NodeCaService(RaftMemberSlot member, DataKeyring keys, TimeProvider time, ILogger<NodeCaService> logger) : NodeCa.NodeCaBase
{
    public override Task<GetRootCertificatesResponse> GetRootCertificates(GetRootCertificatesRequest request, ServerCallContext context)
    {
        // This manager's own copy: a joiner checks the roots against its token's digest anyway,
        // and a manager without quorum should still say which cluster it belongs to.
        var stored = member.CurrentCluster() ?? throw new RpcException(new Status(StatusCode.Unavailable, "the cluster is still being created; try again"));
        var authority = ClusterAuthority.FromStore(stored, keys);
        var response = new GetRootCertificatesResponse();
        response.RootCertificatesPem.AddRange(authority.Trust.Roots.Select(r => r.ExportCertificatePem()));
        return Task.FromResult(response);
    }

    public override async Task<TokenRoleResponse> TokenRole(TokenRoleRequest request, ServerCallContext context)
    {
        var authority = await AuthorityAsync(context.CancellationToken);
        return new TokenRoleResponse { Role = ToStore(Verify(authority, request.Token)) };
    }

    public override async Task<IssueNodeCertificateResponse> IssueNodeCertificate(IssueNodeCertificateRequest request, ServerCallContext context)
    {
        if (request.Hostname.Length > 0 && NodeDescriptionRules.CheckHostname(request.Hostname) is { } badHostname)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "join refused: " + badHostname));
        }

        var raft = member.RequireNode();
        var authority = await AuthorityAsync(context.CancellationToken);
        var role = Verify(authority, request.Token);
        var joinKey = JoinKeyDigest(request.CsrPem);
        var rejoined = raft.Store.View(tx => tx.List<Node>()).FirstOrDefault(n => n.JoinKeyDigest == joinKey);
        if (rejoined is not null && rejoined.Role != ToStore(role))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"this key already joined as node {rejoined.Id} ({rejoined.Role.ToString().ToLowerInvariant()}); allowed: a new key for another node, or the same key and role to retry the join"));
        }

        if (role == IdentityRole.Manager && rejoined is null)
        {
            CheckAddress("raft address", request.RaftAddress);
            CheckAddress("API address", request.ApiAddress);
            var taken = raft.Store.View(tx => tx.List<Node>()).FirstOrDefault(n => n.RaftAddress == request.RaftAddress);
            if (taken is not null)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"raft address {request.RaftAddress} is already used by node {taken.Id}; allowed: an address no other manager uses (remove the old node first with `ck node rm`)"));
            }
        }

        // A retried join (the answer was lost) gets the node it created, not a second one.
        var nodeId = rejoined?.Id ?? NodeIdentity.NewId();
        X509Certificate2 certificate;
        try
        {
            var serverAddress = role == IdentityRole.Manager ? rejoined?.ApiAddress ?? request.ApiAddress : null;
            certificate = authority.Issuer(time).Issue(new NodeIdentity(authority.ClusterId, nodeId, role), request.CsrPem, serverAddress);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the certificate signing request was refused: " + e.Message));
        }

        var node = role == IdentityRole.Manager
            ? ClusterInit.ManagerNode(nodeId, request.RaftAddress, request.ApiAddress)
            : new Node
            {
                Id = nodeId,
                Role = StoreRole.Worker,
                Spec = new NodeSpec { DesiredRole = StoreRole.Worker, Availability = NodeAvailability.Active },
                Status = new NodeStatus { State = NodeState.Unknown, Message = "joined; no session yet" },
            };
        node.Description ??= new NodeDescription();
        node.Description.Hostname = string.IsNullOrEmpty(request.Hostname) ? node.Description.Hostname : request.Hostname;
        node.JoinKeyDigest = joinKey;
        if (rejoined is null)
        {
            await CommitAsync(raft, tx => tx.Create(node), context.CancellationToken);
        }

        LogIssued(logger, nodeId, NodeIdentity.RoleName(role), request.Hostname);
        var response = new IssueNodeCertificateResponse
        {
            ClusterId = authority.ClusterId,
            NodeId = nodeId,
            Role = ToStore(role),
            CertificatePem = certificate.ExportCertificatePem(),
        };
        response.RootCertificatesPem.AddRange(authority.Trust.Roots.Select(r => r.ExportCertificatePem()));
        return response;
    }

    /// <summary>The SHA-256 of the CSR's public key, in hex; a CSR that cannot be read is refused.</summary>
    private static string JoinKeyDigest(string csrPem)
    {
        try
        {
            var csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation);
            return Convert.ToHexStringLower(SHA256.HashData(csr.PublicKey.ExportSubjectPublicKeyInfo()));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the certificate signing request was refused: " + e.Message));
        }
    }

    public override async Task<RenewNodeCertificateResponse> RenewNodeCertificate(RenewNodeCertificateRequest request, ServerCallContext context)
    {
        var caller = CallerAuthorizationInterceptor.CallerOf(context);
        var identity = caller.Identity ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "renewing needs the node's current certificate"));
        var raft = member.RequireNode();
        var (certificate, trust) = await RenewAsync(raft, keys, time, identity, request.CsrPem, context.CancellationToken);
        LogRenewed(logger, identity.NodeId);
        var response = new RenewNodeCertificateResponse { CertificatePem = certificate.ExportCertificatePem() };
        response.RootCertificatesPem.AddRange(trust.Roots.Select(r => r.ExportCertificatePem()));
        return response;
    }

    /// <summary>
    /// A new certificate for a node that holds one: from the signing root, with the role the
    /// store now gives the node (promotions and demotions take effect on renewal); during a CA
    /// rotation the node is marked as moved to the new root.
    /// </summary>
    internal static async Task<(X509Certificate2 Certificate, TrustBundle Trust)> RenewAsync(RaftNode raft, DataKeyring keys, TimeProvider time, NodeIdentity identity, string csrPem, CancellationToken token)
    {
        var stored = await raft.Store.ReadAsync(tx => (Cluster: StoredCluster.Find(tx), Node: tx.Get<Node>(identity.NodeId)), token);
        if (stored.Cluster is null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the cluster has no CA yet"));
        }

        var role = identity.Role;
        if (role != IdentityRole.Admin)
        {
            var node = stored.Node ?? throw new RpcException(new Status(StatusCode.PermissionDenied, $"node {identity.NodeId} is not in the cluster any more; join again with a token"));
            role = node.Role == StoreRole.Manager ? IdentityRole.Manager : IdentityRole.Worker;
        }

        var authority = ClusterAuthority.FromStore(stored.Cluster, keys);
        X509Certificate2 certificate;
        try
        {
            var serverAddress = role == IdentityRole.Manager ? stored.Node?.ApiAddress : null;
            certificate = authority.Issuer(time).Issue(new NodeIdentity(authority.ClusterId, identity.NodeId, role), csrPem, serverAddress);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the certificate signing request was refused: " + e.Message));
        }

        if (authority.Rotation.Phase == CaRotationPhase.Rotating && authority.Rotation.NodesOnRetiringRoot.Contains(identity.NodeId))
        {
            await CommitAsync(
                raft,
                tx =>
                {
                    var current = StoredCluster.Get(tx);
                    var now = ClusterAuthority.FromStore(current, keys);
                    tx.Update(now.With(now.Rotation.CertificateIssued(identity.NodeId, now.Rotation.SigningRoot.Digest)));
                },
                token);
        }

        return (certificate, authority.Trust);
    }

    private async Task<ClusterAuthority> AuthorityAsync(CancellationToken token)
    {
        var raft = member.RequireNode();
        ClusterObject? stored;
        try
        {
            stored = await raft.Store.ReadAsync(tx => StoredCluster.Find(tx), token);
        }
        catch (LeaderUnavailableException)
        {
            throw NoLeader.Refusal(raft.Members);
        }

        return stored is null
            ? throw new RpcException(new Status(StatusCode.Unavailable, "the cluster is still being created; try again"))
            : ClusterAuthority.FromStore(stored, keys);
    }

    private static IdentityRole Verify(ClusterAuthority authority, string token)
    {
        try
        {
            return authority.Tokens.Verify(token, authority.TokenDigest);
        }
        catch (JoinTokenException e)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, e.Message));
        }
    }

    private static void CheckAddress(string what, string address)
    {
        if (!IPEndPoint.TryParse(address, out var endPoint) || endPoint.Port == 0 || endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{what} '{address}' is invalid; allowed: IP:PORT that other managers can reach (not 0.0.0.0)"));
        }
    }

    private static StoreRole ToStore(IdentityRole role) => role == IdentityRole.Manager ? StoreRole.Manager : StoreRole.Worker;

    private static async Task CommitAsync(RaftNode raft, Action<WriteTransaction> update, CancellationToken token)
    {
        try
        {
            await raft.Store.UpdateAsync(update, token);
        }
        catch (StoreConflictException e)
        {
            throw new RpcException(new Status(StatusCode.Aborted, e.Message));
        }
        catch (LeaderUnavailableException)
        {
            throw NoLeader.Refusal(raft.Members);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued a {Role} certificate to new node {NodeId} ({Hostname})")]
    private static partial void LogIssued(ILogger logger, string nodeId, string role, string hostname);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renewed the certificate of node {NodeId}")]
    private static partial void LogRenewed(ILogger logger, string nodeId);
}
