using System.Security.Cryptography;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Store;
using ClusterKit.Worker.Images.Tests.Store;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>Small images made by importing a directory into a store of its own.</summary>
internal static class TinyImages
{
    /// <summary>A store under <paramref name="temp"/> holding one image named <paramref name="name"/>: a text file and <paramref name="randomBytes"/> of noise (which gzip cannot shrink).</summary>
    public static async Task<(ImageStore Store, ImageDetails Image)> CreateAsync(TempDirectory temp, string name, int randomBytes = 4096)
    {
        var rootfs = temp.Combine("rootfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc", "hello.txt"), "hello from " + name);
        await File.WriteAllBytesAsync(Path.Combine(rootfs, "noise.bin"), RandomNumberGenerator.GetBytes(randomBytes));
        var store = StoreFiles.Open(temp.Combine("store-" + Guid.NewGuid().ToString("N")));
        var image = await store.ImportAsync(new ImportRequest(rootfs, name, ["CMD [\"cat\", \"/etc/hello.txt\"]"], null));
        return (store, image);
    }

    /// <summary>Blob files under the store (complete blobs only; tmp/ is checked separately).</summary>
    public static string[] BlobFiles(ImageStore store) =>
        Directory.Exists(Path.Combine(store.Root, "blobs", "sha256")) ? Directory.GetFiles(Path.Combine(store.Root, "blobs", "sha256")) : [];

    public static string[] TempEntries(ImageStore store) =>
        Directory.Exists(Path.Combine(store.Root, "tmp")) ? Directory.GetFileSystemEntries(Path.Combine(store.Root, "tmp")) : [];
}
