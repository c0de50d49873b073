using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Registry.Catalog;

/// <summary>
/// What <c>ck registry ls|inspect|rm</c> ask of the cluster registry's metadata: repositories with counts and sizes a
/// page at a time, one manifest in detail (its bytes read through <see cref="ManifestBytes"/>), and removing a tag or a manifest. Removing only unlinks: blob bytes stay
/// until garbage collection. Refusals are <see cref="RegistryException"/>s naming the reference and what is allowed.
/// </summary>
public sealed class RegistryInventory(IRegistryMetadata metadata, IRegistryCatalog catalog, ManifestBytes manifestBytes)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>What removing leaves behind, said in every answer of <see cref="RemoveAsync"/>.</summary>
    public const string BlobsLeftNote = "blobs are left for garbage collection (ck registry gc)";

    private const string Allowed = "allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST of the cluster registry, without a registry host (busybox is library/busybox:latest)";

    public async Task<ListRegistryResponse> ListAsync(ListRegistryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw new RegistryException(RegistryErrorCode.PaginationNumberInvalid, $"page size {request.PageSize} is out of range; allowed: 1 to {MaxPageSize} (0 for {DefaultPageSize})");
        }

        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        IReadOnlyList<RepositoryName> names = string.IsNullOrEmpty(request.Repository)
            ? await metadata.ListRepositoriesAsync(cancellationToken).ConfigureAwait(false)
            : [RepositoryFilter(request.Repository)];
        // One more than a page says whether another follows; a repository emptied since the list was read is left out.
        var page = names.Where(n => string.CompareOrdinal(n.Value, request.PageToken) > 0).Take(pageSize + 1).ToList();
        var more = page.Count > pageSize;
        var contents = await catalog.GetRepositoriesAsync(more ? page[..pageSize] : page, cancellationToken).ConfigureAwait(false);
        var response = new ListRegistryResponse();
        response.Repositories.AddRange(contents.Select(RepositorySummaries.Of));
        if (more)
        {
            response.NextPageToken = page[pageSize - 1].Value;
        }

        return response;
    }

    public async Task<RegistryImageDetails> InspectAsync(string reference, CancellationToken cancellationToken)
    {
        var (contents, _, manifest) = await FindAsync(reference, cancellationToken).ConfigureAwait(false);
        var content = await manifestBytes.ReadAsync(manifest, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryErrorCode.ManifestUnknown, $"'{reference}': no manager holds the bytes of manifest {manifest.Digest} yet; retry");
        var held = ManifestContents.Of(content, manifest.MediaType);
        var details = new RegistryImageDetails
        {
            Repository = contents.Name.Value,
            Digest = manifest.Digest.ToString(),
            MediaType = manifest.MediaType,
            SizeBytes = manifest.Size,
            Config = held.Config,
            TotalSizeBytes = held.ImageSize,
        };
        details.Layers.AddRange(held.Layers);
        details.Platforms.AddRange(held.Platforms);
        details.Tags.AddRange(TagsOf(contents, manifest.Digest));
        return details;
    }

    public async Task<RemoveRegistryImageResponse> RemoveAsync(string reference, CancellationToken cancellationToken)
    {
        var (contents, image, manifest) = await FindAsync(reference, cancellationToken).ConfigureAwait(false);
        var response = new RemoveRegistryImageResponse { Repository = contents.Name.Value, Digest = manifest.Digest.ToString(), Note = BlobsLeftNote };
        if (image.Digest is null)
        {
            if (!await metadata.DeleteTagAsync(contents.Name, image.Tag!, cancellationToken).ConfigureAwait(false))
            {
                throw NoTag(reference, contents.Name, image.Tag!);
            }

            response.RemovedTags.Add(image.Tag!);
            response.Note = $"the manifest stays, reachable as {contents.Name}@{manifest.Digest}; {BlobsLeftNote}";
            return response;
        }

        var tags = TagsOf(contents, manifest.Digest);
        if (!await metadata.DeleteManifestAsync(contents.Name, manifest.Digest, cancellationToken).ConfigureAwait(false))
        {
            throw NoManifest(reference, contents.Name, manifest.Digest);
        }

        response.RemovedTags.AddRange(tags);
        response.ManifestRemoved = true;
        return response;
    }

    /// <summary>The repository a user names for <c>ck registry ls</c>: a name without tag, digest or host; busybox is library/busybox.</summary>
    public static RepositoryName RepositoryFilter(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!ParsedImageReference.TryParse(text, out var parsed, out var error))
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, error.Message + "; allowed: a repository name such as team/app or busybox");
        }

        if (parsed.Host is not null || parsed.Tag is not null || parsed.Digest is not null)
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, $"invalid repository '{text}': allowed: a repository name without registry host, tag or digest, such as team/app or busybox");
        }

        return RepositoryName.Parse(parsed.Host is null ? parsed.LibraryPath : parsed.Path);
    }

    /// <summary>A reference as a user types it, pinned to the cluster registry: a tag or a digest, not both, and no foreign host.</summary>
    public static ImageReference ParseReference(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ImageReference image;
        try
        {
            image = ImageReference.Resolve(text, []);
        }
        catch (RegistryException e)
        {
            throw new RegistryException(e.Code, $"{e.Message}; {Allowed}");
        }

        if (image.IsForeign)
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, $"invalid reference '{text}': it names the registry {image.ForeignHost}; {Allowed}");
        }

        if (image.Tag is not null && image.Digest is not null)
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, $"invalid reference '{text}': it gives both a tag and a digest; {Allowed}");
        }

        return image;
    }

    private async Task<(RepositoryContents Contents, ImageReference Image, StoredManifest Manifest)> FindAsync(string reference, CancellationToken cancellationToken)
    {
        var image = ParseReference(reference);
        var repository = image.Repository!;
        var contents = (await catalog.GetRepositoriesAsync([repository], cancellationToken).ConfigureAwait(false)).SingleOrDefault()
            ?? throw new RegistryException(RegistryErrorCode.NameUnknown, $"'{reference}': there is no repository {repository} in the cluster registry (see ck registry ls)");
        var digest = image.Digest ?? (contents.Tags.TryGetValue(image.Tag!, out var tagged) ? tagged : throw NoTag(reference, repository, image.Tag!));
        var manifest = contents.Manifests.FirstOrDefault(m => m.Digest == digest) ?? throw NoManifest(reference, repository, digest);
        return (contents, image, manifest);
    }

    private static List<string> TagsOf(RepositoryContents contents, Digest digest) =>
        [.. contents.Tags.Where(t => t.Value == digest).Select(t => t.Key).Order(StringComparer.Ordinal)];

    private static RegistryException NoTag(string reference, RepositoryName repository, string tag) =>
        new(RegistryErrorCode.ManifestUnknown, $"'{reference}': repository {repository} has no tag '{tag}'");

    private static RegistryException NoManifest(string reference, RepositoryName repository, Digest digest) =>
        new(RegistryErrorCode.ManifestUnknown, $"'{reference}': repository {repository} has no manifest {digest}");
}
