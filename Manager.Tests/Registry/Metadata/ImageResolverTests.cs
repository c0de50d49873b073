using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry.Metadata;

public sealed class ImageResolverTests
{
    private static readonly string[] ClusterHosts = ["registry.cluster:5000"];
    private static readonly byte[] Manifest = Encoding.ASCII.GetBytes("""{"schemaVersion":2}""");

    private readonly InMemoryRegistryMetadata _metadata = new();
    private readonly ImageResolver _resolver;

    public ImageResolverTests()
    {
        _resolver = new ImageResolver(_metadata, ClusterHosts);
    }

    [Theory]
    [InlineData("busybox")]
    [InlineData("busybox:latest")]
    [InlineData("library/busybox")]
    [InlineData("registry.cluster:5000/library/busybox:latest")]
    public async Task A_tag_resolves_to_the_manifest_it_points_at(string reference)
    {
        await StoreAsync("library/busybox", "latest");

        var resolved = await _resolver.ResolveDigestAsync(reference, CancellationToken.None);

        Assert.Equal($"library/busybox@{Digest.Of(Manifest)}", resolved.ToString());
        Assert.Equal(MediaTypes.OciManifest, resolved.MediaType);
    }

    [Fact]
    public async Task A_pinned_digest_resolves_to_itself_when_the_registry_holds_it()
    {
        await StoreAsync("team/app", null);

        var resolved = await _resolver.ResolveDigestAsync($"team/app@{Digest.Of(Manifest)}", CancellationToken.None);
        var missing = await Assert.ThrowsAsync<RegistryException>(() => _resolver.ResolveDigestAsync($"other@{Digest.Of(Manifest)}", CancellationToken.None));

        Assert.Equal(Digest.Of(Manifest), resolved.Digest);
        Assert.Equal(RegistryErrorCode.ManifestUnknown, missing.Code);
    }

    [Fact]
    public async Task An_image_the_registry_lacks_is_MANIFEST_UNKNOWN_naming_it()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() => _resolver.ResolveDigestAsync("busybox", CancellationToken.None));

        Assert.Equal(RegistryErrorCode.ManifestUnknown, error.Code);
        Assert.Equal("image 'busybox' (library/busybox:latest) is not in the cluster registry", error.Message);
    }

    [Fact]
    public async Task A_reference_to_another_registry_is_refused_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() => _resolver.ResolveDigestAsync("docker.io/library/busybox", CancellationToken.None));

        Assert.Equal(
            "image 'docker.io/library/busybox' is in registry docker.io, which the cluster does not reach; push it to the cluster registry and name it without the host",
            error.Message);
    }

    private Task StoreAsync(string repository, string? tag) =>
        _metadata.PutManifestAsync(RepositoryName.Parse(repository), new StoredManifest(Digest.Of(Manifest), MediaTypes.OciManifest, Manifest.Length, []), tag, CancellationToken.None);
}
