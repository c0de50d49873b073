using ClusterKit.Shared.Images;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ClusterKit.Shared.Tests.Images;

/// <summary>The one grammar of user-typed image references (the worker's store, ck, the cluster registry).</summary>
public sealed class ParsedImageReferenceTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("busybox", null, "busybox", null, null)]
    [InlineData("busybox:1.36", null, "busybox", "1.36", null)]
    [InlineData("library/busybox:latest", null, "library/busybox", "latest", null)]
    [InlineData("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", null)]
    [InlineData("team/app/web:v2", null, "team/app/web", "v2", null)]
    [InlineData("registry.local:5000/team/app:1.0", "registry.local:5000", "team/app", "1.0", null)]
    [InlineData("localhost/app", "localhost", "app", null, null)]
    [InlineData("localhost:5000/a_b.c-d__e:T_1.x-y", "localhost:5000", "a_b.c-d__e", "T_1.x-y", null)]
    [InlineData("[::1]:5000/app", "[::1]:5000", "app", null, null)]
    [InlineData("REGISTRY.cluster:5000/app", "REGISTRY.cluster:5000", "app", null, null)]
    [InlineData("localhost:5000", null, "localhost", "5000", null)]
    [InlineData("busybox@sha256:" + Hex, null, "busybox", null, "sha256:" + Hex)]
    [InlineData("reg.local:5000/app:1@sha256:" + Hex, "reg.local:5000", "app", "1", "sha256:" + Hex)]
    public void Splits_a_reference_into_host_path_tag_and_digest_without_normalising(string text, string? host, string path, string? tag, string? digest)
    {
        var reference = ParsedImageReference.Parse(text);

        Assert.Equal(host, reference.Host);
        Assert.Equal(path, reference.Path);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(text, reference.ToString());
    }

    [Fact]
    public void A_sha512_digest_is_of_the_grammar()
    {
        var digest = "sha512:" + new string('a', 128);

        Assert.Equal(digest, ParsedImageReference.Parse("app@" + digest).Digest);
        Assert.False(ParsedImageReference.IsValidDigest("sha512:" + new string('a', 64)));
        Assert.False(ParsedImageReference.IsValidDigest("md5:" + new string('a', 32)));
        Assert.False(ParsedImageReference.IsValidDigest("sha256:" + Hex.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("busybox", "library/busybox")]
    [InlineData("team/app", "team/app")]
    [InlineData("reg.local/app", "library/app")]
    public void A_one_component_path_lives_under_library(string text, string libraryPath) =>
        Assert.Equal(libraryPath, ParsedImageReference.Parse(text).LibraryPath);

    [Theory]
    [InlineData("Foo:bar", ImageReferencePart.Name, "invalid reference 'Foo:bar': repository names must be lowercase")]
    [InlineData("", ImageReferencePart.Text, "invalid reference '': the reference is empty; expected [host[:port]/]name[:tag][@digest]")]
    [InlineData("busybox:", ImageReferencePart.Tag, "invalid reference 'busybox:': tag '' is invalid; a tag is 1-128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'")]
    [InlineData("busybox:-x", ImageReferencePart.Tag, "invalid reference 'busybox:-x': tag '-x' is invalid; a tag is 1-128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'")]
    [InlineData("busybox@sha256:abc", ImageReferencePart.Digest, "invalid reference 'busybox@sha256:abc': the digest must be sha256: followed by 64 lowercase hex digits (or sha512: followed by 128)")]
    [InlineData("team//app", ImageReferencePart.Name, "invalid reference 'team//app': repository path components cannot be empty (no leading, trailing or doubled '/')")]
    [InlineData("team/app/", ImageReferencePart.Name, "invalid reference 'team/app/': repository path components cannot be empty (no leading, trailing or doubled '/')")]
    [InlineData("-app", ImageReferencePart.Name, "invalid reference '-app': path component '-app' is invalid; use lowercase letters and digits separated by '.', '_', '__' or '-'")]
    [InlineData("app___x", ImageReferencePart.Name, "invalid reference 'app___x': path component 'app___x' is invalid; use lowercase letters and digits separated by '.', '_', '__' or '-'")]
    [InlineData("my app", ImageReferencePart.Text, "invalid reference 'my app': references cannot contain whitespace")]
    [InlineData("bad_host.io:port/app", ImageReferencePart.Host, "invalid reference 'bad_host.io:port/app': registry 'bad_host.io:port' is not a valid host[:port]")]
    [InlineData(":tag", ImageReferencePart.Name, "invalid reference ':tag': the repository name is empty")]
    [InlineData("../../etc/passwd", ImageReferencePart.Host, "invalid reference '../../etc/passwd': registry '..' is not a valid host[:port]")]
    [InlineData("a/../../etc/passwd", ImageReferencePart.Name, "invalid reference 'a/../../etc/passwd': path component '..' is not allowed")]
    [InlineData("reg.local:5000/./x", ImageReferencePart.Name, "invalid reference 'reg.local:5000/./x': path component '.' is not allowed")]
    public void Rejects_invalid_references_naming_the_text_the_part_and_what_is_allowed(string text, ImageReferencePart part, string expected)
    {
        Assert.False(ParsedImageReference.TryParse(text, out _, out var error));
        Assert.Equal(part, error.Part);
        Assert.Equal(expected, error.Message);
        var thrown = Assert.Throws<ImageReferenceException>(() => ParsedImageReference.Parse(text));
        Assert.Equal(expected, thrown.Message);
    }

    [Fact]
    public void A_name_longer_than_255_characters_is_refused()
    {
        Assert.Equal(255, ParsedImageReference.Parse("a/" + new string('b', 253)).Name.Length);
        var error = Assert.Throws<ImageReferenceException>(() => ParsedImageReference.Parse("a/" + new string('b', 254)));

        Assert.Contains("longer than 255", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_are_escaped_and_huge_texts_cut_in_the_message()
    {
        var escaped = Assert.Throws<ImageReferenceException>(() => ParsedImageReference.Parse("app\n\u001b[31m"));
        var huge = Assert.Throws<ImageReferenceException>(() => ParsedImageReference.Parse(new string('a', 5000) + " x"));

        Assert.DoesNotContain('\n', escaped.Message);
        Assert.DoesNotContain('\u001b', escaped.Message);
        Assert.Contains("app\\n\\x1b[31m", escaped.Message, StringComparison.Ordinal);
        Assert.True(huge.Message.Length < 500);
        Assert.Contains("(5002 characters)", huge.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("reg.local", true)]
    [InlineData("reg:5000", true)]
    [InlineData("team", false)]
    public void A_first_component_with_a_dot_or_colon_or_localhost_is_a_host(string component, bool host) =>
        Assert.Equal(host, ParsedImageReference.IsHostComponent(component));

    [Property(MaxTest = 300)]
    public Property References_built_from_the_grammar_parse_back_unchanged() =>
        Prop.ForAll(Generated().ToArbitrary(), built =>
        {
            var parsed = ParsedImageReference.Parse(built.Text);
            return parsed.ToString() == built.Text && parsed.Host == built.Host && parsed.Path == built.Path && parsed.Tag == built.Tag && parsed.Digest == built.Digest
                && ParsedImageReference.Parse(parsed.ToString()) == parsed;
        });

    [Property(MaxTest = 500)]
    public void Any_accepted_text_formats_back_to_itself_and_has_a_safe_path(string? text)
    {
        if (!ParsedImageReference.TryParse(text, out var reference, out _))
        {
            return;
        }

        Assert.Equal(text, reference.ToString());
        Assert.DoesNotContain("..", reference.Path.Split('/'));
        Assert.False(Path.IsPathRooted(reference.Path));
    }

    [Property(MaxTest = 300)]
    public void Parsing_never_throws_anything_but_a_reference_error(string? text)
    {
        try
        {
            ParsedImageReference.Parse(text);
        }
        catch (ImageReferenceException error)
        {
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    private sealed record Built(string Text, string? Host, string Path, string? Tag, string? Digest);

    private static Gen<Built> Generated()
    {
        var alnum = Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()).NonEmptyListOf().Select(c => new string([.. c]));
        var separator = Gen.Elements(".", "_", "__", "-", "--");
        var component = alnum.SelectMany(head => Gen.Zip(separator, alnum).ListOf().Select(rest => head + string.Concat(rest.Select(p => p.Item1 + p.Item2))));
        var path = component.NonEmptyListOf().Select(c => string.Join('/', c));
        var host = Gen.OneOf(
            Gen.Constant<string?>(null),
            Gen.Elements<string?>("localhost", "localhost:5000", "reg.local", "registry.example.com:443", "10.0.0.1:5000", "[::1]:5000"));
        var tagChar = Gen.Elements("abcXYZ019_.-".ToCharArray());
        var tag = Gen.OneOf(
            Gen.Constant<string?>(null),
            Gen.Zip(Gen.Elements("aZ0_".ToCharArray()), tagChar.ListOf()).Select(p => (string?)(p.Item1 + new string([.. p.Item2.Take(127)]))));
        var digest = Gen.OneOf(
            Gen.Constant<string?>(null),
            Gen.Elements("0123456789abcdef".ToCharArray()).ArrayOf(64).Select(h => (string?)("sha256:" + new string(h))),
            Gen.Elements("0123456789abcdef".ToCharArray()).ArrayOf(128).Select(h => (string?)("sha512:" + new string(h))));
        return
            from h in host
            from p in path
            where (h is null ? 0 : h.Length + 1) + p.Length <= ParsedImageReference.MaxNameLength

            // Without a host, a first component like a.b in a.b/c is read as one: not what was built.
            where h is not null || !p.Contains('/', StringComparison.Ordinal) || !ParsedImageReference.IsHostComponent(p[..p.IndexOf('/', StringComparison.Ordinal)])
            from t in tag
            from d in digest
            select new Built((h is null ? string.Empty : h + "/") + p + (t is null ? string.Empty : ":" + t) + (d is null ? string.Empty : "@" + d), h, p, t, d);
    }
}
