using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Net;
using Grpc.Core;
using Grpc.Net.Client;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Cli;

/// <summary>
/// The gRPC channel to a manager's control API: the root-only local socket, or with --host the TLS API port, where
/// ck presents its admin certificate and accepts only a manager certificate of the cluster in its trust.pem.
/// </summary>
internal sealed class ManagerConnection : IDisposable
{
    public const string DefaultSocket = "/run/clusterkit/manager.sock";

    private static readonly IdentityRole[] ManagersOnly = [IdentityRole.Manager];
    private readonly GrpcChannel _channel;
    private readonly TimeProvider _time;
    private volatile string? _refusal;
    private volatile string? _answeringNodeId;

    private ManagerConnection(string target, string? host, TimeProvider time, Func<ManagerConnection, HttpMessageHandler> handler)
    {
        Target = target;
        Host = host;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _channel = GrpcChannel.ForAddress(host is null ? "http://manager" : "https://" + host, new GrpcChannelOptions
        {
            HttpHandler = handler(this),
            MaxReceiveMessageSize = 64 << 20,
        });
        Cluster = new ClusterService.ClusterServiceClient(_channel);
        Nodes = new NodeService.NodeServiceClient(_channel);
        Ca = new NodeCa.NodeCaClient(_channel);
        Registry = new RegistryService.RegistryServiceClient(_channel);
        RegistryMaintenance = new RegistryMaintenanceService.RegistryMaintenanceServiceClient(_channel);
        RegistryAccess = new RegistryAccessService.RegistryAccessServiceClient(_channel);
    }

    /// <summary>"the local manager socket PATH" or "the manager at HOST:PORT", for messages.</summary>
    public string Target { get; }

    /// <summary>The TLS address, or null on the local socket.</summary>
    public string? Host { get; }

    /// <summary>The node id in the certificate of the manager that answered (TLS only; the local socket does not say).</summary>
    public string? AnsweringNodeId => _answeringNodeId;

    public ClusterService.ClusterServiceClient Cluster { get; }

    public NodeService.NodeServiceClient Nodes { get; }

    public NodeCa.NodeCaClient Ca { get; }

    public RegistryService.RegistryServiceClient Registry { get; }
    public RegistryMaintenanceService.RegistryMaintenanceServiceClient RegistryMaintenance { get; }
    /// <summary>The cluster registry's credentials and push tokens.</summary>
    public RegistryAccessService.RegistryAccessServiceClient RegistryAccess { get; }

    public static string ResolveSocket(string? option, Func<string, string?> environment) =>
        option ?? environment("CK_MANAGER_SOCKET") ?? DefaultSocket;

    public static ManagerConnection ForSocket(string socketPath) => ForSocket(socketPath, TimeProvider.System);

    /// <param name="time">The clock of <see cref="CallAsync"/>'s deadline.</param>
    public static ManagerConnection ForSocket(string socketPath, TimeProvider time) => new(
        $"the local manager socket {socketPath}",
        null,
        time,
        _ => UnixSocket.CreateHandler(socketPath, error => new ClusterCommandException(DescribeSocketError(socketPath, error), error)));

    /// <summary>The TLS API of <paramref name="host"/>; the server is checked against the admin's trust bundle as a manager, never by host name.</summary>
    public static ManagerConnection ForHost(string host, NodeCredentials admin, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(admin);
        return new($"the manager at {host}", host, time, connection =>
        {
            var validator = new PeerCertificateValidator(admin.Identity.ClusterId, () => admin.Trust, time);
            var factory = new TlsOptionsFactory(new NodeCredentialsHolder(admin), validator, refused => connection._refusal = refused.Reason);
            var handler = factory.CreateHttpHandler(ManagersOnly);
            handler.ConnectTimeout = TimeSpan.FromSeconds(10);
            var check = handler.SslOptions.RemoteCertificateValidationCallback!;
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                if (!check(sender, certificate, chain, errors))
                {
                    return false;
                }

                // Accepted, so it is a node subject: remember whom we talk to (the `*` in `ck node ls`).
                using var leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                if (NodeIdentity.TryFromSubject(leaf.SubjectName, out var identity, out _))
                {
                    connection._answeringNodeId = identity.NodeId;
                }

                return true;
            };
            return handler;
        });
    }

    /// <summary>How long ck waits for an ordinary call: a write without quorum would otherwise wait for a leader forever.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs one call with a deadline (<see cref="DefaultTimeout"/> unless given; <see cref="Timeout.InfiniteTimeSpan"/> for
    /// none), turning a failed connection, handshake or deadline into a one-line <see cref="ClusterCommandException"/>.
    /// </summary>
    /// <remarks>
    /// gRPC's deadline (sent to the manager as grpc-timeout) runs only from the moment the call reaches the HTTP handler,
    /// and its timer can be lost; ck's own timer, on the connection's <see cref="TimeProvider"/>, bounds the whole call from here (connect, TLS,
    /// HTTP/2 settings, headers, body), so a manager that accepts and stays silent never holds ck past the deadline.
    /// </remarks>
    public async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var wait = timeout ?? DefaultTimeout;
        var bounded = wait != Timeout.InfiniteTimeSpan;

        // gRPC measures its deadline on the system clock, whatever _time is.
        DateTime? deadline = bounded ? DateTime.UtcNow + wait : null;
        using var expiry = bounded ? new CancellationTokenSource(wait, _time) : new CancellationTokenSource();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            using var pending = call(new CallOptions(deadline: deadline, cancellationToken: either.Token));
            return await pending.ResponseAsync.WaitAsync(either.Token);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested && IsDeadline(error, expiry.IsCancellationRequested))
        {
            throw new ClusterCommandException(
                $"{Target} did not answer within {(wait < TimeSpan.FromSeconds(1) ? $"{wait.TotalMilliseconds:0} ms" : $"{wait.TotalSeconds:0} s")}: the cluster may have lost quorum (see `ck node ls`) or the manager is overloaded; a change asked for may still be applied once a leader is back",
                error);
        }
        catch (RpcException error) when (Translate(error) is { } translated)
        {
            throw translated;
        }
    }

    private static bool IsDeadline(Exception error, bool expired) => error switch
    {
        RpcException { StatusCode: StatusCode.DeadlineExceeded } => true,
        RpcException { StatusCode: StatusCode.Cancelled } or OperationCanceledException => expired,
        _ => false,
    };

    public void Dispose() => _channel.Dispose();

    internal static string DescribeSocketError(string socketPath, SocketException error) => error.SocketErrorCode switch
    {
        SocketError.AccessDenied => $"permission denied on {socketPath}: the manager's local socket is root-only; run ck as root or give --host HOST:PORT",
        _ => $"no manager on this host: nothing answers on {socketPath} ({Reason(socketPath, error)}); start ck-manager or give --host HOST:PORT (or --manager-socket PATH)",
    };

    /// <summary>A Unix socket that does not exist fails as "Cannot assign requested address": say what it means.</summary>
    internal static string Reason(string socketPath, Exception error) =>
        error is SocketException { SocketErrorCode: SocketError.AddressNotAvailable } && !File.Exists(socketPath) ? "no such socket" : error.Message;

    private ClusterCommandException? Translate(RpcException error)
    {
        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is ClusterCommandException known)
            {
                return known;
            }
        }

        if (error.StatusCode == StatusCode.Unknown && error.Status.Detail == "Exception was thrown by handler.")
        {
            return new ClusterCommandException($"{Target} failed while handling the request (an internal error; the manager's log has the details)", error);
        }

        // Over TLS a failed handshake surfaces as Internal or Unavailable: the exceptions inside tell which.
        if (Host is null || (Find<HttpRequestException>(error) is null && error.StatusCode != StatusCode.Unavailable))
        {
            return null;
        }

        if (_refusal is { } reason)
        {
            return new ClusterCommandException($"refused the TLS handshake with {Host}: its certificate is not a manager certificate of your cluster: {reason}", error);
        }

        var authentication = Find<AuthenticationException>(error);
        if (authentication is not null)
        {
            return new ClusterCommandException($"the manager at {Host} refused the TLS handshake (it did not accept ck's admin certificate, or speaks no TLS 1.3): {OneLine(authentication.Message)}", error);
        }

        if (_answeringNodeId is not null && Find<HttpRequestException>(error) is not null && Find<SocketException>(error) is null)
        {
            // ck accepted the manager, and the manager hung up right after the handshake: it refused ck's certificate.
            return new ClusterCommandException(
                $"the manager at {Host} ({_answeringNodeId}) closed the connection after the TLS handshake: it did not accept ck's admin certificate " +
                "(expired, or issued by a root the cluster dropped after a CA rotation); use the local socket on a manager host, or renew it with `ck cluster ca --renew-admin` while it is still valid",
                error);
        }

        var socket = Find<SocketException>(error);
        if (socket is not null || Find<HttpRequestException>(error) is not null)
        {
            return new ClusterCommandException($"cannot reach the manager at {Host}: {OneLine(socket?.Message ?? error.Status.Detail)}", error);
        }

        return null;
    }

    private static TException? Find<TException>(Exception error)
        where TException : Exception
    {
        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is TException found)
            {
                return found;
            }
        }

        return null;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
