using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Cli.Control;
using ClusterKit.Shared.Identity;
using IssueAdminCertificateRequest = ClusterKit.Proto.Manager.V1.IssueAdminCertificateRequest;
using IssueAdminCertificateResponse = ClusterKit.Proto.Manager.V1.IssueAdminCertificateResponse;

namespace ClusterKit.Cli.Tests.Control;

public sealed class AdminCertificateKeeperTests
{
    /// <summary>A fixed clock: nothing here compares a certificate with the wall clock.</summary>
    private static readonly TimeProvider Clock = TestCertificates.FixedClock();

    [Theory]
    [InlineData(null, null, false, "Write")]
    [InlineData(null, null, true, "Write")]
    [InlineData("c1", null, false, "KeepExisting")]
    [InlineData("c1", null, true, "Write")]
    [InlineData("c2", null, false, "LeaveForeign")]
    [InlineData("c2", null, true, "LeaveForeign")]
    [InlineData(null, "corrupt", true, "LeaveUnusable")]
    public void Another_clusters_files_are_never_replaced(string? savedCluster, string? problem, bool renew, string expected)
        => Assert.Equal(Enum.Parse<AdminFilesAction>(expected), AdminCertificateKeeper.Decide(new SavedAdmin(savedCluster, problem), "c1", renew));

    [Fact]
    public async Task An_empty_directory_gets_the_certificate_the_manager_signed_for_cks_own_key()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("c1", Clock);
        var files = new AdminCredentialFiles(Path.Combine(directory.Path, "clusterkit"));
        string? sentCsr = null;

        var outcome = await new AdminCertificateKeeper(files).ObtainAsync(
            (request, _) =>
            {
                sentCsr = request.CsrPem;
                return Task.FromResult(Sign(root, request.CsrPem, "admin-9"));
            },
            "c1",
            renew: false,
            "the local manager socket /run/x.sock",
            CancellationToken.None);

        Assert.Equal(AdminFilesAction.Write, outcome.Action);
        Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", sentCsr, StringComparison.Ordinal);
        var saved = files.Load("h:1");
        Assert.Equal(new NodeIdentity("c1", "admin-9", NodeRole.Admin), saved.Identity);
        Assert.True(saved.Certificate.HasPrivateKey);
        Assert.Equal([CertificateDigest.Of(root)], saved.Trust.Digests);
        Assert.StartsWith("ck's admin certificate (valid until ", outcome.Message, StringComparison.Ordinal);
        Assert.EndsWith($" is in {files.AdminPath} (trust: {files.TrustPath}).", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_clusters_files_are_left_alone_and_the_manager_is_not_asked()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("c2", Clock);
        using var admin = TestCertificates.Node(root, new NodeIdentity("c2", "admin-1", NodeRole.Admin), Clock);
        var files = new AdminCredentialFiles(directory.Path);
        files.Save(new NodeCredentials(admin, TrustBundle.Of(root)));
        var before = File.ReadAllText(files.AdminPath);
        var asked = false;

        var outcome = await new AdminCertificateKeeper(files).ObtainAsync(
            (_, _) =>
            {
                asked = true;
                return Task.FromResult(new IssueAdminCertificateResponse());
            },
            "c1",
            renew: false,
            "m",
            CancellationToken.None);

        Assert.False(asked);
        Assert.Equal(AdminFilesAction.LeaveForeign, outcome.Action);
        Assert.Null(outcome.Written);
        Assert.Equal(before, File.ReadAllText(files.AdminPath));
        Assert.StartsWith($"{files.AdminPath} holds an admin certificate of another cluster (c2); left it alone: for cluster c1 give --config-dir DIR", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task This_clusters_files_are_kept_on_join_and_replaced_on_renewal()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("c1", Clock);
        using var admin = TestCertificates.Node(root, new NodeIdentity("c1", "admin-1", NodeRole.Admin), Clock);
        var files = new AdminCredentialFiles(directory.Path);
        files.Save(new NodeCredentials(admin, TrustBundle.Of(root)));
        var keeper = new AdminCertificateKeeper(files);
        Task<IssueAdminCertificateResponse> Issue(IssueAdminCertificateRequest request, CancellationToken _) => Task.FromResult(Sign(root, request.CsrPem, "admin-1"));

        var kept = await keeper.ObtainAsync(Issue, "c1", renew: false, "m", CancellationToken.None);
        Assert.Equal(AdminFilesAction.KeepExisting, kept.Action);
        Assert.Equal(admin.Thumbprint, files.Load("h:1").Certificate.Thumbprint);

        var renewed = await keeper.ObtainAsync(Issue, "c1", renew: true, "m", CancellationToken.None);
        Assert.Equal(AdminFilesAction.Write, renewed.Action);
        Assert.NotEqual(admin.Thumbprint, files.Load("h:1").Certificate.Thumbprint);
    }

    [Fact]
    public async Task A_certificate_of_another_cluster_than_expected_is_not_saved()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("c2", Clock);
        var files = new AdminCredentialFiles(directory.Path);

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => new AdminCertificateKeeper(files).ObtainAsync(
            (request, _) => Task.FromResult(Sign(root, request.CsrPem, "admin-1")),
            "c1",
            renew: true,
            "the manager at 10.0.0.1:4243",
            CancellationToken.None));

        Assert.Equal("the manager at 10.0.0.1:4243 issued an admin certificate of cluster c2, but it belongs to cluster c1; nothing was saved", error.Message);
        Assert.False(files.Exist);
    }

    [Fact]
    public void Half_of_the_pair_is_unusable_and_named()
    {
        using var directory = new TempDirectory();
        var files = new AdminCredentialFiles(directory.Path);
        File.WriteAllText(files.TrustPath, "x");

        var saved = files.Saved();

        Assert.Null(saved.ClusterId);
        Assert.Equal($"{files.AdminPath} is missing", saved.Problem);
        Assert.Equal(AdminFilesAction.LeaveUnusable, AdminCertificateKeeper.Decide(saved, "c1", renew: true));
    }

    /// <summary>What the manager does: a certificate for the CSR's key from <paramref name="root"/>, subject chosen by the manager.</summary>
    private static IssueAdminCertificateResponse Sign(X509Certificate2 root, string csrPem, string adminId)
    {
        var clusterId = PinnedRoot.ClusterIdOf(root, "test");
        var csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256);
        var request = new CertificateRequest(new NodeIdentity(clusterId, adminId, NodeRole.Admin).ToSubject(), csr.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = Clock.GetUtcNow();
        using var certificate = request.Create(root, now.AddMinutes(-5), now.AddDays(7), RandomNumberGenerator.GetBytes(12));
        var response = new IssueAdminCertificateResponse { ClusterId = clusterId, CertificatePem = certificate.ExportCertificatePem() };
        response.RootCertificatesPem.Add(root.ExportCertificatePem());
        return response;
    }
}
