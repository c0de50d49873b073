using System.Net.Security;
using ClusterKit.Shared.Identity;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// This manager's certificates in use: what it presents, whom it trusts (the store's current
/// bundle once it has one, so that a CA rotation reaches every handshake at once), and the TLS
/// settings of its API, its Raft transport and its calls to other managers.
/// </summary>
internal sealed class ManagerTls
{
    private static readonly NodeRole[] AnyNode = [NodeRole.Worker, NodeRole.Manager, NodeRole.Admin];
    private static readonly NodeRole[] ManagersOnly = [NodeRole.Manager];
    private readonly Func<TrustBundle?> _storeTrust;

    public ManagerTls(NodeCredentials credentials, CertificateFiles files, Func<TrustBundle?> storeTrust, TimeProvider time, Action<PeerValidationResult> refused)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Files = files;
        _storeTrust = storeTrust;
        Credentials = new NodeCredentialsHolder(credentials);
        Validator = new PeerCertificateValidator(credentials.Identity.ClusterId, () => Trust, time);
        Factory = new TlsOptionsFactory(Credentials, Validator, refused);
    }

    public NodeCredentialsHolder Credentials { get; }

    public CertificateFiles Files { get; }

    public PeerCertificateValidator Validator { get; }

    public TlsOptionsFactory Factory { get; }

    public NodeIdentity Identity => Credentials.Current.Identity;

    public TrustBundle Trust => _storeTrust() ?? Credentials.Current.Trust;

    /// <summary>The API port: a joiner comes without a certificate (the call policy decides per method).</summary>
    public SslServerAuthenticationOptions ApiServerOptions() => Factory.CreateConnectionServerOptions(AnyNode, requireClientCertificate: false);

    public SslServerAuthenticationOptions RaftServerOptions() => Factory.CreateServerOptions(ManagersOnly);

    public SslClientAuthenticationOptions RaftClientOptions() => Factory.CreateClientOptions(ManagersOnly);

    /// <summary>A channel to another manager's API, presenting this manager's certificate.</summary>
    public GrpcChannel ManagerChannel(string apiAddress) => GrpcChannel.ForAddress(
        "https://" + apiAddress,
        new GrpcChannelOptions
        {
            HttpHandler = Factory.CreateHttpHandler(ManagersOnly),
            MaxReceiveMessageSize = Store.Raft.RaftNodeOptions.MaxApiMessageBytes,
            MaxSendMessageSize = Store.Raft.RaftNodeOptions.MaxApiMessageBytes,
        });

    /// <summary>Saves renewed credentials and uses them from the next handshake on.</summary>
    public void Replace(NodeCredentials next)
    {
        Files.Save(next);
        Credentials.Replace(next);
    }
}

/// <summary>Where Kestrel finds the manager's TLS settings, which exist only once the manager has joined a cluster.</summary>
internal sealed class ManagerTlsSlot
{
    private ManagerTls? _current;

    public ManagerTls? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
