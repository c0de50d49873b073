using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Cli.Control;

/// <summary>What ck's config directory holds: nothing, an admin certificate of <see cref="ClusterId"/>, or files ck cannot use (<see cref="Problem"/>).</summary>
internal sealed record SavedAdmin(string? ClusterId, string? Problem)
{
    public static SavedAdmin None { get; } = new(null, null);

    public bool IsEmpty => ClusterId is null && Problem is null;
}

/// <summary>What to do with the config directory when an admin certificate for a cluster could be written there.</summary>
internal enum AdminFilesAction
{
    /// <summary>Nothing there, or this cluster's certificate and a renewal was asked for.</summary>
    Write,

    /// <summary>This cluster's certificate is there already and no renewal was asked for.</summary>
    KeepExisting,

    /// <summary>Another cluster's certificate: never replaced behind the operator's back.</summary>
    LeaveForeign,

    /// <summary>Files ck cannot read: the operator looks at them first.</summary>
    LeaveUnusable,
}

/// <summary>What <see cref="AdminCertificateKeeper"/> did, with one line for the operator.</summary>
internal sealed record AdminFilesOutcome(AdminFilesAction Action, string Message, NodeCredentials? Written);

/// <summary>
/// Gets ck an admin certificate from a manager (ck makes the key and sends only a CSR) and keeps it in the config
/// directory, unless the directory holds another cluster's certificate or files ck cannot read.
/// </summary>
internal sealed class AdminCertificateKeeper(AdminCredentialFiles files)
{
    public AdminCredentialFiles Files => files;

    /// <summary>The decision alone (pure): <paramref name="renew"/> replaces this cluster's certificate, nothing replaces another's.</summary>
    public static AdminFilesAction Decide(SavedAdmin saved, string clusterId, bool renew)
    {
        ArgumentNullException.ThrowIfNull(saved);
        return saved switch
        {
            { IsEmpty: true } => AdminFilesAction.Write,
            { Problem: not null } => AdminFilesAction.LeaveUnusable,
            _ when saved.ClusterId == clusterId => renew ? AdminFilesAction.Write : AdminFilesAction.KeepExisting,
            _ => AdminFilesAction.LeaveForeign,
        };
    }

    /// <param name="issue">The manager's IssueAdminCertificate (over the local socket, or over TLS with ck's admin certificate).</param>
    /// <param name="clusterId">The cluster the manager belongs to.</param>
    /// <param name="renew">Replace a certificate of the same cluster (renewal) rather than keep it.</param>
    public async Task<AdminFilesOutcome> ObtainAsync(
        Func<IssueAdminCertificateRequest, CancellationToken, Task<IssueAdminCertificateResponse>> issue,
        string clusterId,
        bool renew,
        string source,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(clusterId);
        var saved = files.Saved();
        var action = Decide(saved, clusterId, renew);
        switch (action)
        {
            case AdminFilesAction.KeepExisting:
                return new(action, $"ck already has an admin certificate of cluster {clusterId} in {files.AdminPath}; kept it.", null);
            case AdminFilesAction.LeaveForeign:
                return new(action,
                    $"{files.AdminPath} holds an admin certificate of another cluster ({saved.ClusterId}); left it alone: for cluster {clusterId} give --config-dir DIR (e.g. `ck cluster ca --renew-admin --config-dir DIR` on a manager host)",
                    null);
            case AdminFilesAction.LeaveUnusable:
                return new(action,
                    $"ck's admin certificate files in {files.Directory} are unusable ({saved.Problem}); left them alone: move them away, then run `ck cluster ca --renew-admin` on a manager host",
                    null);
        }

        using var key = NodeKey.Create();
        var response = await issue(new IssueAdminCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(key) }, cancellationToken);
        if (response.ClusterId != clusterId)
        {
            throw new ClusterCommandException($"{source} issued an admin certificate of cluster {response.ClusterId}, but it belongs to cluster {clusterId}; nothing was saved");
        }

        var credentials = new NodeCredentials(
            NodeKey.WithCertificate(key, response.CertificatePem),
            TrustBundle.FromPem(string.Join('\n', response.RootCertificatesPem), $"the roots sent by {source}"));
        files.Save(credentials);
        var until = ClusterInfoText.Time(new DateTimeOffset(credentials.Certificate.NotAfter.ToUniversalTime()));
        return new(action, $"ck's admin certificate (valid until {until}) is in {files.AdminPath} (trust: {files.TrustPath}).", credentials);
    }
}
