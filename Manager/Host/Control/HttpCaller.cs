using ClusterKit.Shared.Identity;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Manager.Host.Control;

/// <summary>Who sent an HTTP request (a gRPC call or a registry request): the local socket, a cluster certificate's role, or nobody known.</summary>
internal static class HttpCaller
{
    /// <remarks>The TLS handshake already checked a presented certificate against the cluster's trust bundle.</remarks>
    public static Caller Identify(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);

        // Kestrel gives TCP connections their addresses and a Unix socket's none; the API port is TLS only.
        if (!http.Request.IsHttps && http.Connection.LocalIpAddress is null && http.Connection.RemoteIpAddress is null)
        {
            return new Caller(CallerKind.LocalSocket, null);
        }

        var certificate = http.Connection.ClientCertificate;
        if (certificate is null || !NodeIdentity.TryFromSubject(certificate.SubjectName, out var identity, out _))
        {
            return new Caller(CallerKind.Anonymous, null);
        }

        var kind = identity.Role switch
        {
            IdentityRole.Manager => CallerKind.Manager,
            IdentityRole.Worker => CallerKind.Worker,
            IdentityRole.Admin => CallerKind.Admin,
            _ => CallerKind.Anonymous,
        };
        return new Caller(kind, identity);
    }
}
