using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Store;

/// <summary>Where the image store keeps its data.</summary>
public sealed class ImageStoreOptions
{
    public const string DefaultRoot = "/var/lib/clusterkit/images";

    /// <summary>Data root: oci-layout, index.json, names.json, blobs/sha256/, layers/, tmp/.</summary>
    public string Root { get; set; } = DefaultRoot;

    /// <summary>The most bytes one imported or loaded archive, or one of its layers, may unpack to.</summary>
    public long MaxUnpackedBytes { get; set; } = UnpackLimit.Default.MaxBytes;
}
