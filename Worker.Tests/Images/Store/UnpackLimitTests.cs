using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Tests.Store;

/// <summary>A small gzip that expands far beyond the cap is refused while it unpacks, leaving the store as it was.</summary>
public sealed class UnpackLimitTests : IDisposable
{
    private readonly TempDirectory _temp = new("ckt-unpack");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_import_that_unpacks_past_the_limit_is_refused_naming_it()
    {
        var bomb = _temp.Combine("bomb.tar.gz");
        StoreFiles.WriteTar(_temp.Combine("bomb.tar"), [("zeros", new byte[8 << 20])]);
        await using (var output = File.Create(bomb))
        await using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.SmallestSize))
        {
            await gzip.WriteAsync(await File.ReadAllBytesAsync(_temp.Combine("bomb.tar")));
        }

        Assert.True(new FileInfo(bomb).Length < 64 << 10, "the gzip is small");
        var store = new ImageStore(new ImageStoreOptions { Root = _temp.Combine("store"), MaxUnpackedBytes = 1 << 20 }, LinuxSystemCalls.Instance, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(bomb, "bomb:1", [], null)));

        Assert.Equal(ImageErrorKind.InvalidArgument, error.Kind);
        Assert.Equal($"{bomb} unpacks to more than 1048576 bytes, the limit (ck-worker --max-unpacked-bytes)", error.Message);
        Assert.Empty(await store.ListAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root, "blobs"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "tmp")));
    }

    [Fact]
    public async Task Within_the_limit_the_same_archive_imports()
    {
        StoreFiles.WriteTar(_temp.Combine("small.tar"), [("zeros", new byte[8 << 20])]);
        var store = new ImageStore(new ImageStoreOptions { Root = _temp.Combine("store"), MaxUnpackedBytes = 64 << 20 }, LinuxSystemCalls.Instance, TimeProvider.System);

        var image = await store.ImportAsync(new ImportRequest(_temp.Combine("small.tar"), "small:1", [], null));

        Assert.Equal(["small:1"], image.References);
    }
}
