using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Shared.Tests.Identity;

public sealed class NodeIdentityTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = TestCertificates.Clock();

    [Theory]
    [InlineData(NodeRole.Worker, "worker")]
    [InlineData(NodeRole.Manager, "manager")]
    [InlineData(NodeRole.Admin, "admin")]
    public void The_identity_lives_in_the_subject_and_reads_back(NodeRole role, string unit)
    {
        var identity = new NodeIdentity("c1a2", "node-7.x_y", role);

        var subject = identity.ToSubject();

        Assert.Contains("O=c1a2", subject.Name, StringComparison.Ordinal);
        Assert.Contains($"OU={unit}", subject.Name, StringComparison.Ordinal);
        Assert.Contains("CN=node-7.x_y", subject.Name, StringComparison.Ordinal);
        Assert.True(NodeIdentity.TryFromSubject(subject, out var back, out _));
        Assert.Equal(identity, back);
    }

    [Fact]
    public void Reads_the_identity_of_a_certificate()
    {
        var identity = new NodeIdentity(TestCertificates.NewClusterId(), NodeIdentity.NewId(), NodeRole.Manager);
        using var root = TestCertificates.Root(_clock, identity.ClusterId);
        using var node = TestCertificates.Node(_clock, root, identity);

        Assert.Equal(identity, NodeIdentity.FromCertificate(node));
    }

    [Theory]
    [InlineData("CN=web.example.com", "is not a ClusterKit node subject; expected O=<cluster id>, OU=<role>, CN=<node id>")]
    [InlineData("O=c1, OU=root, CN=n1", "has role 'root'; allowed: worker, manager, admin")]
    [InlineData("O=c 1, OU=worker, CN=n1", "cluster id 'c 1' contains ' '")]
    public void A_foreign_subject_gets_a_one_line_reason(string subject, string expected)
    {
        Assert.False(NodeIdentity.TryFromSubject(new X500DistinguishedName(subject), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "n1", "cluster id '' has 0 characters")]
    [InlineData("c1", "n/1", "node id 'n/1' contains '/'")]
    [InlineData("c1", "n,CN=admin", "node id 'n,CN=admin' contains ','")]
    public void Bad_ids_are_refused(string clusterId, string nodeId, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new NodeIdentity(clusterId, nodeId, NodeRole.Worker));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void New_ids_are_25_base36_characters_and_distinct()
    {
        var ids = Enumerable.Range(0, 20).Select(_ => NodeIdentity.NewId()).ToHashSet();

        Assert.Equal(20, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9a-z]{25}$", id));
    }
}
