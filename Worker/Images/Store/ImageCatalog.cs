using System.Text.Json.Serialization;
using ClusterKit.Shared.Files;
using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Configs;
using ClusterKit.Worker.Images.Manifests;

namespace ClusterKit.Worker.Images.Store;

/// <summary>One image the store holds: its manifest, and the config whose digest is the image id.</summary>
internal sealed record StoredImage(string ManifestDigest, long ManifestSize, string ManifestMediaType, ImageManifest Manifest, ImageConfigFile Config)
{
    public string Id => Manifest.Config.Digest;

    public IEnumerable<string> Blobs => [ManifestDigest, Manifest.Config.Digest, .. Manifest.Layers.Select(l => l.Digest)];
}

/// <summary>
/// The store's table of contents: the images (index.json, an OCI image index) and the names
/// (names.json, canonical reference -> manifest digest). Both files are replaced atomically;
/// index.json is written first, so a crash between the two leaves at worst an untagged image.
/// Mutations work on a copy that replaces the live catalog only once both files are written.
/// </summary>
internal sealed class ImageCatalog
{
    private const string IndexFile = "index.json";
    private const string NamesFile = "names.json";

    public Dictionary<string, StoredImage> Images { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Names { get; } = new(StringComparer.Ordinal);

    public ImageCatalog Clone()
    {
        var copy = new ImageCatalog();
        foreach (var (key, value) in Images)
        {
            copy.Images[key] = value;
        }

        foreach (var (key, value) in Names)
        {
            copy.Names[key] = value;
        }

        return copy;
    }

    public StoredImage? FindById(string id) => Images.Values.FirstOrDefault(i => i.Id == id);

    public IEnumerable<string> NamesOf(StoredImage image) => Names.Where(n => n.Value == image.ManifestDigest).Select(n => n.Key);

    public static async Task<ImageCatalog> LoadAsync(string root, BlobStore blobs, Action<string, Exception> skipped, CancellationToken cancellationToken)
    {
        var catalog = new ImageCatalog();
        var indexPath = Path.Combine(root, IndexFile);
        if (File.Exists(indexPath))
        {
            var index = ImageJson.Deserialize<ImageIndexDocument>(await File.ReadAllBytesAsync(indexPath, cancellationToken), indexPath);
            foreach (var descriptor in index.Manifests)
            {
                try
                {
                    var manifestBytes = await blobs.ReadAsync(descriptor.Digest, cancellationToken);
                    var manifest = ImageJson.Deserialize<ImageManifest>(manifestBytes, $"manifest {descriptor.Digest}");
                    var config = ImageJson.Deserialize<ImageConfigFile>(await blobs.ReadAsync(manifest.Config.Digest, cancellationToken), $"config {manifest.Config.Digest}");
                    catalog.Images[descriptor.Digest] = new StoredImage(descriptor.Digest, manifestBytes.Length, descriptor.MediaType, manifest, config);
                }
                catch (ImageStoreException ex)
                {
                    // One damaged image must not take the whole store down; the rest stay usable.
                    skipped(descriptor.Digest, ex);
                }
            }
        }

        var namesPath = Path.Combine(root, NamesFile);
        if (File.Exists(namesPath))
        {
            var names = ImageJson.Deserialize<NamesDocument>(await File.ReadAllBytesAsync(namesPath, cancellationToken), namesPath);
            foreach (var (name, digest) in names.References)
            {
                if (catalog.Images.ContainsKey(digest))
                {
                    catalog.Names[name] = digest;
                }
            }
        }

        return catalog;
    }

    public async Task SaveAsync(string root, CancellationToken cancellationToken)
    {
        var index = new ImageIndexDocument
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [.. Images.Values.OrderBy(i => i.ManifestDigest, StringComparer.Ordinal).Select(i => new Descriptor
            {
                MediaType = i.ManifestMediaType,
                Digest = i.ManifestDigest,
                Size = i.ManifestSize,
            })],
        };
        await AtomicFile.WriteAsync(Path.Combine(root, IndexFile), ImageJson.Serialize(index), cancellationToken);
        var names = new NamesDocument { References = new SortedDictionary<string, string>(Names, StringComparer.Ordinal) };
        await AtomicFile.WriteAsync(Path.Combine(root, NamesFile), ImageJson.Serialize(names), cancellationToken);
    }

    private sealed class NamesDocument
    {
        [JsonPropertyName("references")]
        public SortedDictionary<string, string> References { get; set; } = new(StringComparer.Ordinal);
    }
}
