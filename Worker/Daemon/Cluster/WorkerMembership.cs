using System.Globalization;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Files;
using ClusterKit.Shared.Identity;
using ClusterKit.Worker.Hosting;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Session;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Cluster;

/// <summary>
/// The worker's place in a cluster: its credentials under DataRoot/identity, the mutual-TLS session
/// they carry, and their renewal. Joined at runtime through the local Cluster API, or found on disk at
/// start (a restart reconnects by itself).
/// </summary>
public sealed partial class WorkerMembership : IHostedService, IAsyncDisposable, IClusterRegistry
{
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<WorkerMembership> _logger;
    private readonly CertificateFiles _files;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RenewalPolicy _renewal = new();
    private Joined? _joined;

    public WorkerMembership(IOptions<WorkerOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<WorkerMembership>();
        _files = new CertificateFiles(IdentityDirectory(_options));
    }

    /// <summary>Where the node's certificate, key and trust bundle live.</summary>
    public static string IdentityDirectory(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.DataRoot, "identity");
    }

    /// <summary>The address joined through, kept so a restart has a manager to start from.</summary>
    private string JoinAddressPath => Path.Combine(_files.Directory, "joined-through");

    private bool FixedMembership => !string.IsNullOrWhiteSpace(_options.Managers);

    /// <summary>The node's credentials, or null before it joined.</summary>
    public NodeCredentials? Credentials => _joined?.Credentials.Current;

    public ManagerSession? Session => _joined?.Session;

    /// <summary>The cluster registry: the live session's manager first, then the others the managers announced.</summary>
    public ClusterRegistryTarget? Current => _joined is { } joined
        ? new ClusterRegistryTarget(
            [.. new[] { joined.Session.Status.ManagerAddress }.Concat(joined.Session.Status.Managers).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal)],
            joined.RegistryHandler)
        : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (FixedMembership || !_files.Exist)
        {
            return;
        }

        // A bad identity stops the start with one line rather than leaving a worker that silently never connects.
        NodeCredentials credentials;
        try
        {
            credentials = _files.Load();
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or FormatException)
        {
            throw new WorkerStartupException(e.Message, e);
        }

        var managers = File.Exists(JoinAddressPath) ? ManagerAddresses.Parse(JoinAddressPath, File.ReadAllText(JoinAddressPath).Trim()) : [];
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await StartSessionAsync(credentials, managers, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Joins the cluster <paramref name="remote"/> belongs to with a worker token; one line naming the problem otherwise.</summary>
    public async Task<NodeIdentity> JoinAsync(string token, string remote, CancellationToken cancellationToken)
    {
        if (FixedMembership)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this worker runs with a fixed manager list (--manager {_options.Managers}); restart ck-worker without --manager and --node-id to join a cluster"));
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_joined is { } joined)
            {
                var identity = joined.Credentials.Current.Identity;
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"this worker has already joined cluster {identity.ClusterId} as node {identity.NodeId}; it cannot join twice (remove {_files.Directory} with ck-worker stopped to start over)"));
            }

            var credentials = await WorkerJoin.RequestCertificateAsync(token, remote, _time, cancellationToken);
            _files.Save(credentials);
            AtomicFile.WriteText(JoinAddressPath, remote.Trim() + "\n");
            await StartSessionAsync(credentials, ManagerAddresses.Parse("remote address", remote), cancellationToken);
            LogJoined(credentials.Identity.ClusterId, credentials.Identity.NodeId, remote);
            return credentials.Identity;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_joined is { } joined)
        {
            await joined.Session.StopAsync(cancellationToken);
            try
            {
                await joined.Renewal.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        _joined?.Session.Dispose();
        _joined?.RegistryHandler.Dispose();
        _stopping.Dispose();
        _gate.Dispose();
    }

    private async Task StartSessionAsync(NodeCredentials credentials, IReadOnlyList<string> managers, CancellationToken cancellationToken)
    {
        var holder = new NodeCredentialsHolder(credentials);
        var identity = credentials.Identity;
        var validator = new PeerCertificateValidator(identity.ClusterId, () => holder.Current.Trust, _time);
        var tls = new TlsOptionsFactory(holder, validator, refused => LogManagerRefused(refused.Reason ?? "refused"));
        var session = new ManagerSession(
            new ManagerSessionOptions
            {
                NodeId = identity.NodeId,
                Managers = managers,
                Description = HostDescription.Read(_options.NodeLabels),
                ManagerListPath = _options.ManagerListPath,
            },
            new TlsManagerChannelFactory(tls),
            _time,
            _loggers.CreateLogger<ManagerSession>());
        await session.StartAsync(cancellationToken);
        var renewal = Task.Run(() => RenewLoopAsync(holder, session, tls, _stopping.Token), CancellationToken.None);
        _joined = new Joined(holder, session, renewal, tls.CreateHttpHandler([ClusterKit.Shared.Identity.NodeRole.Manager]));
    }

    /// <summary>Renews at the policy's point of the lifetime, with a key made here, over TLS to the session's manager.</summary>
    private async Task RenewLoopAsync(NodeCredentialsHolder holder, ManagerSession session, TlsOptionsFactory tls, CancellationToken stopping)
    {
        var random = new Random();
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var current = holder.Current.Certificate;
            var untilRenewal = _renewal.DelayUntilRenewal(current, _time.GetUtcNow(), random);
            var delay = failures == 0
                ? untilRenewal < RootCheckPeriod ? untilRenewal : RootCheckPeriod
                : TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(failures, 6)));
            try
            {
                await Task.Delay(delay, _time, stopping);

                // Between renewals, look for a CA rotation: a root this worker does not trust yet
                // means renewing now, while the managers still present certificates it trusts.
                if (failures == 0 && untilRenewal > delay && !await NewRootAnnouncedAsync(holder, session, tls, stopping))
                {
                    continue;
                }

                var renewed = await RenewOnceAsync(holder, session, tls, stopping);
                holder.Replace(renewed);
                _files.Save(renewed);
                failures = 0;
                LogRenewed(renewed.Identity.NodeId, renewed.Certificate.NotAfter.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                failures++;
                LogRenewalFailed(e.Message);
            }
        }
    }

    /// <summary>How often a joined worker asks for the cluster's roots (a CA rotation waits for every worker).</summary>
    private static readonly TimeSpan RootCheckPeriod = TimeSpan.FromSeconds(10);

    private static async Task<bool> NewRootAnnouncedAsync(NodeCredentialsHolder holder, ManagerSession session, TlsOptionsFactory tls, CancellationToken cancellationToken)
    {
        var status = session.Status;
        var address = status.ManagerAddress ?? (status.Managers.Count > 0 ? status.Managers[0] : null);
        if (address is null)
        {
            return false;
        }

        using var channel = new TlsManagerChannelFactory(tls).Create(address);
        var roots = await new NodeCa.NodeCaClient(channel).GetRootCertificatesAsync(
            new GetRootCertificatesRequest(),
            deadline: DateTime.UtcNow.AddSeconds(10),
            cancellationToken: cancellationToken);
        var trusted = holder.Current.Trust;
        return roots.RootCertificatesPem
            .Select(pem => System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem))
            .Any(root => !trusted.Contains(CertificateDigest.Of(root)));
    }

    private static async Task<NodeCredentials> RenewOnceAsync(NodeCredentialsHolder holder, ManagerSession session, TlsOptionsFactory tls, CancellationToken cancellationToken)
    {
        var status = session.Status;
        var address = status.ManagerAddress ?? (status.Managers.Count > 0 ? status.Managers[0] : null)
            ?? throw new InvalidOperationException("no manager known to renew the node certificate with");
        using var channel = new TlsManagerChannelFactory(tls).Create(address);
        var ca = new NodeCa.NodeCaClient(channel);
        using var key = NodeKey.Create();
        var response = await ca.RenewNodeCertificateAsync(
            new RenewNodeCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(key) },
            deadline: DateTime.UtcNow.AddSeconds(30),
            cancellationToken: cancellationToken);
        var certificate = NodeKey.WithCertificate(key, response.CertificatePem);
        var trust = response.RootCertificatesPem.Count > 0
            ? TrustBundle.Of(response.RootCertificatesPem.Select(pem => System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem)))
            : holder.Current.Trust;
        return new NodeCredentials(certificate, trust);
    }

    private sealed record Joined(NodeCredentialsHolder Credentials, ManagerSession Session, Task Renewal, HttpMessageHandler RegistryHandler);

    [LoggerMessage(Level = LogLevel.Information, Message = "joined cluster {ClusterId} as node {NodeId} through {Remote}")]
    private partial void LogJoined(string clusterId, string nodeId, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused a manager's certificate: {Reason}")]
    private partial void LogManagerRefused(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "renewed the certificate of node {NodeId}; it now expires {NotAfter}")]
    private partial void LogRenewed(string nodeId, string notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node certificate renewal failed, retrying: {Error}")]
    private partial void LogRenewalFailed(string error);
}
