using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Cli.Control;

/// <summary>
/// Renews ck's admin certificate from the cluster's current signing root (a CA rotation drops the old root once every
/// node moved, and the admin certificate must have moved too). Only over TLS: the manager renews the caller's own identity.
/// </summary>
internal static class AdminRenewal
{
    public static async Task<NodeCredentials> RenewAsync(ManagerConnection manager, AdminCredentialFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(files);
        if (manager.Host is null)
        {
            throw new ClusterCommandException("renewing ck's admin certificate needs --host HOST:PORT: the manager renews the certificate that calls it, and the local socket presents none");
        }

        using var key = NodeKey.Create();
        var response = await manager.CallAsync(
            options => manager.Ca.RenewNodeCertificateAsync(new RenewNodeCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(key) }, options),
            cancellationToken);
        var credentials = new NodeCredentials(
            NodeKey.WithCertificate(key, response.CertificatePem),
            TrustBundle.FromPem(string.Join('\n', response.RootCertificatesPem), $"the roots sent by {manager.Target}"));
        files.Save(credentials);
        return credentials;
    }
}
