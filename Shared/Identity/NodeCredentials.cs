using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>What a node presents and trusts: its certificate with private key, its identity, and the cluster's trust bundle.</summary>
public sealed class NodeCredentials
{
    public NodeCredentials(X509Certificate2 certificate, TrustBundle trust)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"certificate '{certificate.Subject}' has no private key; a node presents its certificate together with its key");
        }

        Certificate = certificate;
        Trust = trust ?? throw new ArgumentNullException(nameof(trust));
        Identity = NodeIdentity.FromCertificate(certificate);
        _serverContext = new Lazy<SslStreamCertificateContext>(() => SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true));
    }

    private readonly Lazy<SslStreamCertificateContext> _serverContext;

    public X509Certificate2 Certificate { get; }

    public TrustBundle Trust { get; }

    public NodeIdentity Identity { get; }

    /// <summary>
    /// The certificate as a TLS server presents it, made once for these credentials: a handshake given only the
    /// certificate builds its chain and a new native TLS context each time, several milliseconds of CPU per connection.
    /// </summary>
    public SslStreamCertificateContext ServerContext => _serverContext.Value;
}

/// <summary>The node's current credentials, swapped in one step on renewal or CA rotation; TLS callbacks read it per handshake.</summary>
public sealed class NodeCredentialsHolder
{
    private NodeCredentials _current;

    public NodeCredentialsHolder(NodeCredentials initial)
    {
        _current = initial ?? throw new ArgumentNullException(nameof(initial));
    }

    public NodeCredentials Current => Volatile.Read(ref _current);

    /// <summary>Replaces the credentials; the next handshake uses them, open connections keep theirs.</summary>
    public void Replace(NodeCredentials next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var current = Current.Identity;
        if (next.Identity.ClusterId != current.ClusterId || next.Identity.NodeId != current.NodeId)
        {
            throw new ArgumentException($"new credentials are for {next.Identity}, but this holder belongs to {current}");
        }

        Volatile.Write(ref _current, next);
    }
}
