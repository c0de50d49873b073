using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Store.Tables;

public sealed class RegistryTablesTests
{
    private const string LayerA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string LayerB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string ManifestM = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    private const string ManifestS = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

    private static RegistryBlobLink Link(string repository, string digest) =>
        new() { Id = RegistryTables.DigestKey(repository, digest), Repository = repository, Digest = digest, Size = 10 };

    private static RegistryTag Tag(string repository, string tag, string digest) =>
        new() { Id = RegistryTables.TagKey(repository, tag), Repository = repository, Tag = tag, ManifestDigest = digest };

    private static RegistryBlobLocation Location(string digest, string member) =>
        new() { Id = RegistryBlobLocationTable.Key(digest, member), Digest = digest, Member = member, Size = 10, RecordedAtUnixMs = 1 };

    private static MemoryStore StoreWithTwoRepositories()
    {
        var store = new MemoryStore();
        store.Update(tx =>
        {
            tx.Create(Link("library/busybox", LayerA));
            tx.Create(Link("library/busybox", LayerB));
            tx.Create(Link("team/app", LayerA));
            tx.Create(new RegistryManifest
            {
                Id = RegistryTables.DigestKey("library/busybox", ManifestM),
                Repository = "library/busybox",
                Digest = ManifestM,
                MediaType = "application/vnd.oci.image.manifest.v1+json",
                Size = 2,
                Subject = ManifestS,
                References = { LayerA, LayerB },
                Blobs = { new RegistryManifestBlob { Digest = LayerA, Size = 10 }, new RegistryManifestBlob { Digest = LayerB, Size = 20 } },
            });
            tx.Create(Tag("library/busybox", "latest", ManifestM));
            tx.Create(Tag("library/busybox", "1.36", ManifestM));
            tx.Create(Tag("library/busybox-extra", "latest", ManifestM));
            tx.Create(Location(LayerA, "m1"));
            tx.Create(Location(LayerA, "m2"));
            tx.Create(Location(LayerB, "m1"));
        });
        return store;
    }

    [Fact]
    public void Blobs_manifests_and_tags_are_found_by_repository_and_by_digest()
    {
        var store = StoreWithTwoRepositories();

        store.View(tx =>
        {
            Assert.Equal([LayerA, LayerB], tx.Find(RegistryBlobLinkTable.ByRepository("library/busybox")).Select(l => l.Digest));
            Assert.Equal(["library/busybox", "team/app"], tx.Find(RegistryBlobLinkTable.ByDigest(LayerA)).Select(l => l.Repository));
            Assert.Equal(ManifestM, Assert.Single(tx.Find(RegistryManifestTable.ByDigest(ManifestM))).Digest);
            Assert.Equal(["1.36", "latest"], tx.Find(RegistryTagTable.ByRepository("library/busybox")).Select(t => t.Tag));

            // A prefix of a repository name is another repository: its tag is not the manifest's in library/busybox.
            Assert.Equal(["1.36", "latest"], tx.Find(RegistryTagTable.ByManifest("library/busybox", ManifestM)).Select(t => t.Tag));
            Assert.Empty(tx.Find(RegistryTagTable.ByManifest("team/app", ManifestM)));
            return 0;
        });
    }

    [Fact]
    public void A_retagged_manifest_loses_the_tag_and_a_restored_snapshot_keeps_every_row_and_index()
    {
        var store = StoreWithTwoRepositories();
        store.Update(tx => tx.Put(Tag("library/busybox", "latest", LayerB)));

        var restored = new MemoryStore();
        restored.Restore(store.CreateSnapshot());

        restored.View(tx =>
        {
            Assert.Equal(["1.36"], tx.Find(RegistryTagTable.ByManifest("library/busybox", ManifestM)).Select(t => t.Tag));
            Assert.Equal(3, tx.Count<RegistryBlobLink>());
            Assert.Equal(["m1", "m2"], tx.Find(RegistryBlobLocationTable.ByDigest(LayerA)).Select(l => l.Member));
            var manifest = tx.Get<RegistryManifest>(RegistryTables.DigestKey("library/busybox", ManifestM))!;
            Assert.Equal((2L, ManifestS), (manifest.Size, manifest.Subject));
            Assert.Equal([LayerA, LayerB], manifest.References);
            Assert.Equal([(LayerA, 10L), (LayerB, 20L)], manifest.Blobs.Select(b => (b.Digest, b.Size)));
            Assert.Equal(["library/busybox", "team/app"], tx.Find(RegistryBlobLinkTable.ByDigest(LayerA)).Select(l => l.Repository));
            Assert.Equal(["m1", "m2"], tx.Find(RegistryBlobLocationTable.ByDigest(LayerA)).Select(l => l.Member));
            Assert.Equal([LayerA, LayerB], tx.Find(RegistryBlobLocationTable.ByMember("m1")).Select(l => l.Digest));
            return 0;
        });
    }

    [Fact]
    public void A_row_deleted_at_the_version_it_was_read_survives_when_it_was_touched_since()
    {
        var store = StoreWithTwoRepositories();
        var read = store.View(tx => tx.Get<RegistryBlobLocation>(RegistryBlobLocationTable.Key(LayerA, "m1")))!;
        var stale = store.Prepare(tx => tx.Delete(read));
        store.Update(tx =>
        {
            var row = tx.Get<RegistryBlobLocation>(read.Id)!;
            row.RecordedAtUnixMs = 2;
            tx.Update(row);
        });

        Assert.Throws<StoreConflictException>(() => store.Apply(stale).VersionOrThrow());
        Assert.NotNull(store.View(tx => tx.Get<RegistryBlobLocation>(read.Id)));

        var fresh = store.View(tx => tx.Get<RegistryBlobLocation>(read.Id))!;
        store.Update(tx => tx.Delete(fresh));
        Assert.Equal(["m2"], store.View(tx => tx.Find(RegistryBlobLocationTable.ByDigest(LayerA))).Select(l => l.Member));
    }
}
