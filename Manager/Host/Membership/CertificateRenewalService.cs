using ClusterKit.Manager.Host.Control;
using ClusterKit.Shared.Identity;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// Renews this manager's own certificate before it expires, and at once during a CA rotation,
/// with a key made here; TLS picks the new one up at the next handshake, without a restart.
/// </summary>
internal sealed partial class CertificateRenewalService(RaftMemberSlot member, ManagerTlsSlot tlsSlot, DataKeyring keys, TimeProvider time, ILogger<CertificateRenewalService> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private readonly RenewalPolicy _policy = new();
    private readonly Random _jitter = new();
    private DateTimeOffset? _renewAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or IOException && !stoppingToken.IsCancellationRequested)
            {
                LogRenewalFailed(logger, e.Message);
            }
        }
    }

    private async Task CheckAsync(CancellationToken token)
    {
        if (tlsSlot.Current is not { } tls || member.CurrentCluster() is not { } cluster)
        {
            return;
        }

        var certificate = tls.Credentials.Current.Certificate;
        var rotation = ClusterAuthority.FromStore(cluster, keys).Rotation;
        _renewAt ??= _policy.RenewAt(certificate, _jitter);
        var rotating = rotation.NeedsNewCertificate(certificate);
        if (!rotating && time.GetUtcNow() < _renewAt)
        {
            return;
        }

        // Managers move to the new root last: a worker still trusting only the old root must keep
        // reaching a manager it trusts until it has renewed (and learned the new root) itself.
        if (rotating && WorkersOnRetiringRoot(rotation) > 0 && time.GetUtcNow() < _renewAt)
        {
            return;
        }

        using var key = NodeKey.Create();
        var identity = tls.Identity;
        var (issued, trust) = await NodeCaService.RenewAsync(member.RequireNode(), keys, time, identity, NodeKey.CreateSigningRequestPem(key), token);
        tls.Replace(new NodeCredentials(NodeKey.WithCertificate(key, issued.ExportCertificatePem()), trust));
        _renewAt = null;
        LogRenewed(logger, identity.NodeId, rotating ? "the CA is rotating" : "renewal time", issued.NotAfter.ToUniversalTime());
    }

    private int WorkersOnRetiringRoot(Ca.CaRotation rotation)
    {
        var nodes = member.RequireNode().Store.View(tx => tx.List<Proto.Manager.V1.Node>());
        return rotation.NodesOnRetiringRoot.Count(id => nodes.Any(n => n.Id == id && n.Role != Proto.Manager.V1.NodeRole.Manager));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} renewed its certificate ({Why}); valid until {NotAfter:u}")]
    private static partial void LogRenewed(ILogger logger, string nodeId, string why, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing this manager's certificate failed, will retry: {Error}")]
    private static partial void LogRenewalFailed(ILogger logger, string error);
}
