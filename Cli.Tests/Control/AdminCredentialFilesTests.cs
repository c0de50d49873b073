using System.Security.Cryptography.X509Certificates;
using ClusterKit.Cli.Control;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Control;

public sealed class AdminCredentialFilesTests
{
    /// <summary>A fixed clock: nothing here compares a certificate with the wall clock.</summary>
    private static readonly TimeProvider Clock = TestCertificates.FixedClock();

    [Fact]
    public void Saved_admin_credentials_load_back_from_two_private_files()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("cluster1", Clock);
        using var admin = TestCertificates.Node(root, new NodeIdentity("cluster1", "admin-1", NodeRole.Admin), Clock);
        var files = new AdminCredentialFiles(Path.Combine(directory.Path, "clusterkit"));

        using var key = admin.GetECDsaPrivateKey()!;
        files.Save(AdminCredentialFiles.FromPem(admin.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), [root.ExportCertificatePem()]));
        var loaded = files.Load("10.0.0.1:4243");

        Assert.Equal(new NodeIdentity("cluster1", "admin-1", NodeRole.Admin), loaded.Identity);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.Equal([CertificateDigest.Of(root)], loaded.Trust.Digests);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.AdminPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.TrustPath));
        Assert.Equal(["admin.pem", "trust.pem"], Directory.GetFiles(files.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Missing_files_tell_the_operator_to_run_init_or_copy_them()
    {
        using var directory = new TempDirectory();
        var files = new AdminCredentialFiles(directory.Path);

        var error = Assert.Throws<ClusterCommandException>(() => files.Load("10.0.0.1:4243"));

        Assert.StartsWith("no admin certificate for --host 10.0.0.1:4243: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("run `ck cluster init` on this host or copy admin.pem and trust.pem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_others_can_read_is_refused_with_the_chmod_to_run()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("cluster1", Clock);
        using var admin = TestCertificates.Node(root, new NodeIdentity("cluster1", "admin-1", NodeRole.Admin), Clock);
        var files = new AdminCredentialFiles(directory.Path);
        files.Save(new NodeCredentials(admin, TrustBundle.Of(root)));
        File.SetUnixFileMode(files.AdminPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<ClusterCommandException>(() => files.Load("h:1"));

        Assert.Equal($"admin certificate file {files.AdminPath} has mode 0644; allowed: 0600 (chmod 600 {files.AdminPath})", error.Message);
    }

    [Fact]
    public void Only_an_admin_certificate_is_kept()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("cluster1", Clock);
        using var manager = TestCertificates.Node(root, new NodeIdentity("cluster1", "m1", NodeRole.Manager), Clock);

        var error = Assert.Throws<ArgumentException>(() => new AdminCredentialFiles(directory.Path).Save(new NodeCredentials(manager, TrustBundle.Of(root))));

        Assert.Contains("admin certificate", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void A_corrupt_admin_file_is_named()
    {
        using var directory = new TempDirectory();
        using var root = TestCertificates.Root("cluster1", Clock);
        using var admin = TestCertificates.Node(root, new NodeIdentity("cluster1", "admin-1", NodeRole.Admin), Clock);
        var files = new AdminCredentialFiles(directory.Path);
        files.Save(new NodeCredentials(admin, TrustBundle.Of(root)));
        File.WriteAllText(files.AdminPath, "not a certificate");

        var error = Assert.Throws<ClusterCommandException>(() => files.Load("h:1"));

        Assert.StartsWith($"admin certificate file {files.AdminPath} or {files.TrustPath} is unusable: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_rotation_adds_the_new_root_to_trust_and_keeps_the_admin_certificate()
    {
        using var directory = new TempDirectory();
        using var old = TestCertificates.Root("cluster1", Clock);
        using var next = TestCertificates.Root("cluster1", Clock);
        using var admin = TestCertificates.Node(old, new NodeIdentity("cluster1", "admin-1", NodeRole.Admin), Clock);
        var files = new AdminCredentialFiles(directory.Path);
        files.Save(new NodeCredentials(admin, TrustBundle.Of(old)));
        var adminBefore = File.ReadAllText(files.AdminPath);

        Assert.True(files.FollowRoots([old.ExportCertificatePem(), next.ExportCertificatePem()], "m"));
        Assert.False(files.FollowRoots([old.ExportCertificatePem(), next.ExportCertificatePem()], "m"));

        var loaded = files.Load("m");
        Assert.Equal([CertificateDigest.Of(old), CertificateDigest.Of(next)], loaded.Trust.Digests);
        Assert.Equal(adminBefore, File.ReadAllText(files.AdminPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.TrustPath));
    }

    [Fact]
    public void Roots_of_another_cluster_or_without_saved_files_are_not_followed()
    {
        using var directory = new TempDirectory();
        using var ours = TestCertificates.Root("cluster1", Clock);
        using var theirs = TestCertificates.Root("cluster2", Clock);
        using var admin = TestCertificates.Node(ours, new NodeIdentity("cluster1", "admin-1", NodeRole.Admin), Clock);
        var empty = new AdminCredentialFiles(Path.Combine(directory.Path, "none"));
        var files = new AdminCredentialFiles(directory.Path);
        files.Save(new NodeCredentials(admin, TrustBundle.Of(ours)));

        Assert.False(empty.FollowRoots([theirs.ExportCertificatePem()], "m"));
        Assert.False(files.FollowRoots([theirs.ExportCertificatePem()], "m"));
        Assert.Equal([CertificateDigest.Of(ours)], files.Load("m").Trust.Digests);
    }

    [Theory]
    [InlineData("/etc/ck", "/xdg", "/home/op", "/etc/ck")]
    [InlineData(null, "/xdg", "/home/op", "/xdg/clusterkit")]
    [InlineData(null, "", "/home/op", "/home/op/.config/clusterkit")]
    [InlineData(null, "relative", "/home/op", "/home/op/.config/clusterkit")]
    public void The_config_directory_is_the_option_then_xdg_then_home(string? option, string xdg, string home, string expected)
    {
        var environment = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = xdg, ["HOME"] = home };

        Assert.Equal(expected, AdminCredentialFiles.ResolveDirectory(option, name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void Without_any_of_them_the_error_names_the_option()
    {
        var error = Assert.Throws<SpecFormatException>(() => AdminCredentialFiles.ResolveDirectory(null, _ => null));

        Assert.Contains("--config-dir DIR", error.Message, StringComparison.Ordinal);
    }
}
