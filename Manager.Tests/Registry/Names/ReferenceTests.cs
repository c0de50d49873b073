using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Tests.Registry.Names;

public sealed class ReferenceTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static readonly string[] ClusterHosts = ["registry.cluster:5000", "10.0.0.1:5000"];

    [Theory]
    [InlineData("busybox", "library/busybox:latest")]
    [InlineData("busybox:1.36", "library/busybox:1.36")]
    [InlineData("team/app", "team/app:latest")]
    [InlineData("team/app/web:v2", "team/app/web:v2")]
    [InlineData("busybox@sha256:" + Hex, "library/busybox@sha256:" + Hex)]
    [InlineData("app:1@sha256:" + Hex, "library/app:1@sha256:" + Hex)]
    [InlineData("registry.cluster:5000/team/app:1", "team/app:1")]
    [InlineData("REGISTRY.cluster:5000/app", "app:latest")]
    public void References_resolve_into_the_cluster_registry_as_users_expect(string text, string resolved)
    {
        var reference = ImageReference.Resolve(text, ClusterHosts);

        Assert.False(reference.IsForeign);
        Assert.Equal(resolved, reference.ToString());
        Assert.Equal(text, reference.Text);
    }

    [Fact]
    public void A_pinned_digest_leaves_the_tag_unset_unless_given()
    {
        var reference = ImageReference.Resolve("busybox@sha256:" + Hex, ClusterHosts);

        Assert.Null(reference.Tag);
        Assert.Equal("sha256:" + Hex, reference.Digest!.ToString());
        Assert.Equal("library/busybox", reference.Repository!.Value);
    }

    [Theory]
    [InlineData("docker.io/library/busybox", "docker.io")]
    [InlineData("quay.io/team/app:1", "quay.io")]
    [InlineData("localhost/app", "localhost")]
    [InlineData("localhost:5000/app", "localhost:5000")]
    [InlineData("[::1]:5000/app", "[::1]:5000")]
    [InlineData("registry.cluster/app", "registry.cluster")]
    public void A_reference_to_another_registry_is_foreign(string text, string host)
    {
        var reference = ImageReference.Resolve(text, ClusterHosts);

        Assert.True(reference.IsForeign);
        Assert.Equal(host, reference.ForeignHost);
        Assert.Null(reference.Repository);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("", RegistryErrorCode.NameInvalid, "expected [host[:port]/]name[:tag][@digest]")]
    [InlineData("bad name", RegistryErrorCode.NameInvalid, "cannot contain whitespace")]
    [InlineData("Busybox", RegistryErrorCode.NameInvalid, "must be lowercase")]
    [InlineData("busybox:-x", RegistryErrorCode.NameInvalid, "tag '-x' is invalid")]
    [InlineData("busybox@sha256:abc", RegistryErrorCode.DigestInvalid, "64 lowercase hex")]
    [InlineData("../../etc/passwd", RegistryErrorCode.NameInvalid, "registry '..' is not a valid host[:port]")]
    [InlineData("a/../../etc/passwd", RegistryErrorCode.NameInvalid, "'..' is not allowed")]
    [InlineData("registry.cluster:5000/../x", RegistryErrorCode.NameInvalid, "'..' is not allowed")]
    [InlineData("registry.cluster:5000/", RegistryErrorCode.NameInvalid, "path components cannot be empty")]
    public void Bad_references_name_the_input_and_the_problem(string text, RegistryErrorCode code, string why)
    {
        var error = Assert.Throws<RegistryException>(() => ImageReference.Resolve(text, ClusterHosts));

        Assert.Equal(code, error.Code);
        Assert.Contains($"invalid reference '{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_registry_s_own_name_limit_applies_after_library_is_added()
    {
        var text = new string('b', 250);

        var error = Assert.Throws<RegistryException>(() => ImageReference.Resolve(text, ClusterHosts));

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
        Assert.Contains("the name is 258 characters; the limit is 255", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("_x")]
    [InlineData("1.0-rc_1")]
    public void Tags_of_the_grammar_are_valid(string tag) => Assert.True(Tag.IsValid(tag));

    [Theory]
    [InlineData("")]
    [InlineData(".x")]
    [InlineData("-x")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("x\n")]
    public void Other_tags_are_not(string tag) => Assert.False(Tag.IsValid(tag));

    [Fact]
    public void Tags_are_at_most_128_characters()
    {
        Assert.True(Tag.IsValid(new string('a', 128)));
        Assert.False(Tag.IsValid(new string('a', 129)));
    }

    [Fact]
    public void A_manifest_url_reference_with_a_colon_is_a_digest_otherwise_a_tag()
    {
        Assert.Equal("v1", ManifestReference.Parse("v1").Tag);
        Assert.Equal("sha256:" + Hex, ManifestReference.Parse("sha256:" + Hex).Digest!.ToString());
        Assert.Equal(RegistryErrorCode.DigestInvalid, Assert.Throws<RegistryException>(() => ManifestReference.Parse("sha256:zz")).Code);
        Assert.Equal(RegistryErrorCode.ManifestInvalid, Assert.Throws<RegistryException>(() => ManifestReference.Parse(".bad")).Code);
    }
}
