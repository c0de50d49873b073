using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;
using ClusterKit.TestKit;

namespace ClusterKit.Shared.Tests.Identity;

[SupportedOSPlatform("linux")]
public sealed class CertificateFilesTests : IDisposable
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = TestCertificates.Clock();

    private readonly TempDirectory _temp = new("ckt-identity");
    private readonly string _clusterId = TestCertificates.NewClusterId();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Saved_credentials_load_back_with_their_key_in_0600_files()
    {
        var credentials = Credentials("w1", NodeRole.Worker);
        var files = new CertificateFiles(_temp.Combine("node"));

        files.Save(credentials);
        var loaded = files.Load();

        Assert.True(files.Exist);
        Assert.Equal(credentials.Certificate.Thumbprint, loaded.Certificate.Thumbprint);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.Equal(credentials.Identity, loaded.Identity);
        Assert.Equal(credentials.Trust.Digests, loaded.Trust.Digests);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.NodePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.TrustPath));
        Assert.Equal([CertificateFiles.NodeFileName, CertificateFiles.TrustFileName], Directory.GetFiles(files.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var key = loaded.Certificate.GetECDsaPrivateKey()!;
        var data = "renewal"u8.ToArray();
        using var publicKey = credentials.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, key.SignData(data, System.Security.Cryptography.HashAlgorithmName.SHA256), System.Security.Cryptography.HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Saving_again_replaces_the_files()
    {
        var files = new CertificateFiles(_temp.Path);
        files.Save(Credentials("w1", NodeRole.Worker));
        var renewed = Credentials("w1", NodeRole.Manager);

        files.Save(renewed);

        Assert.Equal(renewed.Certificate.Thumbprint, files.Load().Certificate.Thumbprint);
        Assert.Equal(2, Directory.GetFiles(_temp.Path).Length);
    }

    [Fact]
    public void A_missing_file_says_which_and_what_to_do()
    {
        var files = new CertificateFiles(_temp.Path);

        var error = Assert.Throws<FileNotFoundException>(files.Load);

        Assert.Equal($"node certificate file {files.NodePath} is missing; join the cluster first (`ck cluster join`) or point to the directory that holds it", error.Message);
    }

    [Fact]
    public void A_corrupt_node_file_is_named()
    {
        var files = new CertificateFiles(_temp.Path);
        files.Save(Credentials("w1", NodeRole.Worker));
        var text = File.ReadAllText(files.NodePath);
        File.WriteAllText(files.NodePath, text[..text.IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal)]);

        var error = Assert.Throws<InvalidDataException>(files.Load);

        Assert.StartsWith($"node certificate file {files.NodePath} is corrupt: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_key_of_another_certificate_is_refused()
    {
        var files = new CertificateFiles(_temp.Path);
        var first = Credentials("w1", NodeRole.Worker);
        files.Save(first);
        var otherKey = File.ReadAllText(files.NodePath);
        files.Save(Credentials("w1", NodeRole.Worker));
        var text = File.ReadAllText(files.NodePath);
        var keyStart = "-----BEGIN PRIVATE KEY";
        File.WriteAllText(files.NodePath, text[..text.IndexOf(keyStart, StringComparison.Ordinal)] + otherKey[otherKey.IndexOf(keyStart, StringComparison.Ordinal)..]);

        var error = Assert.Throws<InvalidDataException>(files.Load);

        Assert.StartsWith($"node certificate file {files.NodePath} is corrupt: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_readable_by_others_is_refused()
    {
        var files = new CertificateFiles(_temp.Path);
        files.Save(Credentials("w1", NodeRole.Worker));
        File.SetUnixFileMode(files.NodePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidDataException>(files.Load);

        Assert.Equal($"node certificate file {files.NodePath} has mode 0644; allowed: 0600 (chmod 600 {files.NodePath})", error.Message);
    }

    [Fact]
    public void A_corrupt_trust_bundle_is_named()
    {
        var files = new CertificateFiles(_temp.Path);
        files.Save(Credentials("w1", NodeRole.Worker));
        File.WriteAllText(files.TrustPath, "not pem");

        var error = Assert.Throws<InvalidDataException>(files.Load);

        Assert.Equal($"trust bundle file {files.TrustPath} holds no PEM CERTIFICATE block; expected one or more root CA certificates", error.Message);
    }

    private NodeCredentials Credentials(string nodeId, NodeRole role)
    {
        var root = TestCertificates.Root(_clock, _clusterId);
        return new NodeCredentials(TestCertificates.Node(_clock, root, new NodeIdentity(_clusterId, nodeId, role)), TrustBundle.Of(root));
    }
}
