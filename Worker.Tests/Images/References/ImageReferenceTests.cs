using ClusterKit.Worker.Images.References;

namespace ClusterKit.Worker.Images.Tests.References;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", null, null, "busybox", "docker.io/library/busybox")]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", null, "busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("library/busybox:latest", "docker.io", "library/busybox", "latest", null, "busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", null, "busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("index.docker.io/team/app", "docker.io", "team/app", null, null, "team/app", "docker.io/team/app")]
    [InlineData("team/app/web:v2", "docker.io", "team/app/web", "v2", null, "team/app/web:v2", "docker.io/team/app/web:v2")]
    [InlineData("registry.local:5000/team/app:1.0", "registry.local:5000", "team/app", "1.0", null, "registry.local:5000/team/app:1.0", "registry.local:5000/team/app:1.0")]
    [InlineData("localhost/app", "localhost", "app", null, null, "localhost/app", "localhost/app")]
    [InlineData("localhost:5000/a_b.c-d__e:T_1.x-y", "localhost:5000", "a_b.c-d__e", "T_1.x-y", null, "localhost:5000/a_b.c-d__e:T_1.x-y", "localhost:5000/a_b.c-d__e:T_1.x-y")]
    [InlineData("quay.io/library/busybox", "quay.io", "library/busybox", null, null, "quay.io/library/busybox", "quay.io/library/busybox")]
    public void Parses_and_normalises_valid_references(string text, string domain, string path, string? tag, string? digest, string familiar, string canonical)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(domain, reference.Domain);
        Assert.Equal(path, reference.Path);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(familiar, reference.ToString());
        Assert.Equal(canonical, reference.Canonical);
    }

    [Fact]
    public void Parses_a_digest_with_and_without_a_tag()
    {
        var digest = "sha256:" + new string('a', 64);

        var pinned = ImageReference.Parse("busybox@" + digest);
        var both = ImageReference.Parse("registry.local:5000/app:1@" + digest);

        Assert.Equal(digest, pinned.Digest);
        Assert.Null(pinned.Tag);
        Assert.Equal("busybox@" + digest, pinned.ToString());
        Assert.Equal("1", both.Tag);
        Assert.Equal(digest, both.Digest);
    }

    [Fact]
    public void Default_tag_is_latest_only_without_tag_or_digest()
    {
        Assert.Equal("busybox:latest", ImageReference.Parse("busybox").WithDefaultTag().ToString());
        Assert.Equal("busybox:1", ImageReference.Parse("busybox:1").WithDefaultTag().ToString());
        var digest = "sha256:" + new string('b', 64);
        Assert.Null(ImageReference.Parse("busybox@" + digest).WithDefaultTag().Tag);
    }

    // The grammar's refusals are tested in Shared.Tests (Images/ImageReferenceTests); here, that the worker
    // reports them as its own invalid-argument errors, one line, naming the reference.
    [Theory]
    [InlineData("Foo:bar", "invalid reference 'Foo:bar': repository names must be lowercase")]
    [InlineData("", "invalid reference '': the reference is empty; expected [host[:port]/]name[:tag][@digest]")]
    [InlineData("busybox:-x", "invalid reference 'busybox:-x': tag '-x' is invalid; a tag is 1-128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'")]
    [InlineData("busybox@sha256:abc", "invalid reference 'busybox@sha256:abc': the digest must be sha256: followed by 64 lowercase hex digits (or sha512: followed by 128)")]
    [InlineData("team//app", "invalid reference 'team//app': repository path components cannot be empty (no leading, trailing or doubled '/')")]
    [InlineData("my app", "invalid reference 'my app': references cannot contain whitespace")]
    [InlineData("bad_host.io:port/app", "invalid reference 'bad_host.io:port/app': registry 'bad_host.io:port' is not a valid host[:port]")]
    [InlineData(":tag", "invalid reference ':tag': the repository name is empty")]
    public void Rejects_invalid_references_with_one_line_errors(string text, string expected)
    {
        var error = Assert.Throws<ImageStoreException>(() => ImageReference.Parse(text));

        Assert.Equal(expected, error.Message);
        Assert.Equal(ImageErrorKind.InvalidArgument, error.Kind);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_worker_pulls_by_sha256_only()
    {
        var error = Assert.Throws<ImageStoreException>(() => ImageReference.Parse("app@sha512:" + new string('a', 128)));

        Assert.Equal("invalid reference 'app@sha512:" + new string('a', 128) + "': the digest must be sha256: followed by 64 lowercase hex digits", error.Message);
    }

    [Fact]
    public void An_ipv6_registry_is_a_domain()
    {
        var reference = ImageReference.Parse("[::1]:5000/app:1");

        Assert.Equal("[::1]:5000", reference.Domain);
        Assert.Equal("app", reference.Path);
        Assert.Equal("[::1]:5000/app:1", reference.Canonical);
    }

    [Fact]
    public void A_64_hex_name_is_reserved_for_ids()
    {
        var error = Assert.Throws<ImageStoreException>(() => ImageReference.Parse(new string('c', 64)));

        Assert.Contains("reserved for image ids", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_longer_than_255_characters_is_refused()
    {
        var error = Assert.Throws<ImageStoreException>(() => ImageReference.Parse("a/" + new string('b', 260)));

        Assert.Contains("longer than 255", error.Message, StringComparison.Ordinal);
    }
}
