using System.Formats.Tar;
using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Tests.Layers;

/// <summary>A tar entry the kernel refuses is reported by its name and why, not as a raw errno line.</summary>
public sealed class EntryFailureTests : IDisposable
{
    private readonly TempDirectory _temp = new("ckt-entry");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_hard_link_to_a_missing_file_names_the_entry_and_its_target()
    {
        var tar = _temp.Combine("layer.tar");
        await using (var file = File.Create(tar))
        await using (var writer = new TarWriter(file, TarEntryFormat.Pax))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "etc/"));
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.HardLink, "etc/passwd") { LinkName = "etc/missing" });
        }

        var store = new ImageStore(new ImageStoreOptions { Root = _temp.Combine("store") }, LinuxSystemCalls.Instance, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(tar, "links:1", [], null)));

        Assert.Equal(ImageErrorKind.CorruptContent, error.Kind);
        Assert.Contains("entry 'etc/passwd' (HardLink) refused: its hard link target 'etc/missing' is not in the layer", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("errno", error.Message, StringComparison.Ordinal);
    }
}
