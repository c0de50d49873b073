using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Http;

namespace ClusterKit.Manager.Tests.Registry.Http;

public sealed class RegistryRouteTests
{
    [Theory]
    [InlineData("", RegistryRouteKind.Base, null, null)]
    [InlineData("_catalog", RegistryRouteKind.Catalog, null, null)]
    [InlineData("a/tags/list", RegistryRouteKind.Tags, "a", null)]
    [InlineData("team/app/tags/list", RegistryRouteKind.Tags, "team/app", null)]
    [InlineData("a/manifests/latest", RegistryRouteKind.Manifest, "a", "latest")]
    [InlineData("a/b/manifests/sha256:abc", RegistryRouteKind.Manifest, "a/b", "sha256:abc")]
    [InlineData("a/blobs/sha256:abc", RegistryRouteKind.Blob, "a", "sha256:abc")]
    [InlineData("a/blobs/uploads/", RegistryRouteKind.UploadStart, "a", null)]
    [InlineData("a/blobs/uploads", RegistryRouteKind.UploadStart, "a", null)]
    [InlineData("a/blobs/uploads/0b1c", RegistryRouteKind.Upload, "a", "0b1c")]
    [InlineData("blobs/blobs/uploads/x", RegistryRouteKind.Upload, "blobs", "x")]
    [InlineData("manifests/manifests/tags", RegistryRouteKind.Manifest, "manifests", "tags")]
    [InlineData("tags/list/tags/list", RegistryRouteKind.Tags, "tags/list", null)]
    [InlineData("a", RegistryRouteKind.Unknown, null, null)]
    [InlineData("a/manifests/", RegistryRouteKind.Unknown, null, null)]
    [InlineData("a/blobs/", RegistryRouteKind.Unknown, null, null)]
    [InlineData("a/other/x", RegistryRouteKind.Unknown, null, null)]
    public void Paths_parse_from_their_end(string rest, RegistryRouteKind kind, string? name, string? reference)
    {
        var route = RegistryRoute.Parse(rest);

        Assert.Equal(kind, route.Kind);
        Assert.Equal(name, route.Name?.Value);
        Assert.Equal(reference, route.Reference);
    }

    [Theory]
    [InlineData("../etc/manifests/latest")]
    [InlineData("a/../../blobs/sha256:abc")]
    [InlineData("A/tags/list")]
    [InlineData("/tags/list")]
    [InlineData("a//b/blobs/uploads/")]
    public void Names_that_would_escape_or_break_the_grammar_are_NAME_INVALID(string rest)
    {
        var error = Assert.Throws<RegistryException>(() => RegistryRoute.Parse(rest));

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
    }
}
