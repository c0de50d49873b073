using ClusterKit.Manager.Registry.GarbageCollection;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Registry.GarbageCollection;

public sealed class GarbagePlannerTests
{
    private const string Config = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Layer = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Child = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    private const string Index = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    private const string Orphan = "sha256:5555555555555555555555555555555555555555555555555555555555555555";

    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(100);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);
    private static readonly long Old = (Now - TimeSpan.FromHours(2)).ToUnixTimeMilliseconds();

    private static RegistryManifest Manifest(string repository, string digest, params string[] references) =>
        new() { Id = RegistryTables.DigestKey(repository, digest), Repository = repository, Digest = digest, References = { references } };

    private static RegistryBlobLink Link(string repository, string digest, long touched) =>
        new() { Id = RegistryTables.DigestKey(repository, digest), Repository = repository, Digest = digest, TouchedAtUnixMs = touched, Version = 7 };

    private static RegistryBlobLocation Location(string digest, string member, long recorded, long size = 100) =>
        new() { Id = RegistryBlobLocationTable.Key(digest, member), Digest = digest, Member = member, RecordedAtUnixMs = recorded, Size = size, Version = 8 };

    [Fact]
    public void Blobs_a_manifest_names_in_any_repository_are_live_config_layers_and_an_index_children()
    {
        RegistryManifest[] manifests = [Manifest("a/img", Child, Config, Layer), Manifest("b/idx", Index, Child)];
        RegistryBlobLink[] links = [Link("c/other", Config, Old), Link("c/other", Layer, Old), Link("c/other", Orphan, Old)];
        RegistryBlobLocation[] locations = [Location(Config, "m1", Old), Location(Layer, "m1", Old), Location(Orphan, "m1", Old, 42), Location(Orphan, "m2", Old, 42)];

        var garbage = Assert.Single(GarbagePlanner.Plan(manifests, links, locations, Now, Grace));

        Assert.Equal(Orphan, garbage.Digest);
        Assert.Equal(42, garbage.Size);
        Assert.Equal(["c/other@" + Orphan], garbage.Links.Select(l => l.Id));
        Assert.Equal(["m1", "m2"], garbage.Locations.Select(l => l.Member));
        Assert.Equal([Config, Layer, Child, Index], GarbagePlanner.Mark(manifests).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_blob_linked_or_copied_within_the_grace_period_is_kept_a_push_in_flight()
    {
        var young = (Now - TimeSpan.FromMinutes(59)).ToUnixTimeMilliseconds();

        Assert.Empty(GarbagePlanner.Plan([], [Link("a/img", Layer, young), Link("b/img", Layer, Old)], [Location(Layer, "m1", Old)], Now, Grace));
        Assert.Empty(GarbagePlanner.Plan([], [Link("a/img", Layer, Old)], [Location(Layer, "m1", Old), Location(Layer, "m2", young)], Now, Grace));
        Assert.Single(GarbagePlanner.Plan([], [Link("a/img", Layer, Old)], [Location(Layer, "m1", Old)], Now, Grace));

        // Bytes with no link at all (unlinked long ago) go once old; the rows are deleted at the versions read.
        var orphan = Assert.Single(GarbagePlanner.Plan([], [], [Location(Orphan, "m1", Old)], Now, Grace));
        Assert.Equal(8UL, orphan.Locations[0].Version);
    }

    [Fact]
    public void A_manifests_own_bytes_are_live_while_its_row_exists_and_garbage_once_it_is_gone()
    {
        // A manifest's bytes are a blob under its own digest: located, never linked.
        RegistryBlobLocation[] locations = [Location(Index, "m1", Old), Location(Index, "m2", Old), Location(Child, "m1", Old)];

        Assert.Empty(GarbagePlanner.Plan([Manifest("b/idx", Index, Child), Manifest("b/idx", Child)], [], locations, Now, Grace));

        // The index deleted: its bytes go; the child stays while its own row does.
        var garbage = Assert.Single(GarbagePlanner.Plan([Manifest("b/idx", Child)], [], locations, Now, Grace));
        Assert.Equal(Index, garbage.Digest);
        Assert.Equal(["m1", "m2"], garbage.Locations.Select(l => l.Member));
        Assert.Empty(garbage.Links);
    }

    [Fact]
    public void A_grace_shorter_than_ten_minutes_or_a_schedule_that_would_spin_is_refused()
    {
        var validator = new RegistryGarbageCollectionOptionsValidator();

        Assert.True(validator.Validate(null, new RegistryGarbageCollectionOptions()).Succeeded);
        var refused = validator.Validate(null, new RegistryGarbageCollectionOptions { Grace = TimeSpan.FromMinutes(5), Interval = TimeSpan.FromSeconds(1), UploadIdleTimeout = TimeSpan.Zero });
        Assert.Equal(3, refused.Failures!.Count());
    }
}
