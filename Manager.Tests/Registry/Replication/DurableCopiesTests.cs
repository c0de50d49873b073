using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;

namespace ClusterKit.Manager.Tests.Registry.Replication;

public sealed class DurableCopiesTests
{
    private static readonly Digest Layer = Digest.Of(Encoding.UTF8.GetBytes("layer"));
    private static readonly Digest Config = Digest.Of(Encoding.UTF8.GetBytes("config"));

    [Theory]
    [InlineData(0, null, 0)]
    [InlineData(1, null, 1)]
    [InlineData(2, null, 2)]
    [InlineData(3, null, 2)]
    [InlineData(7, null, 2)]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 2)]
    [InlineData(5, 3, 2)]
    [InlineData(1, 3, 1)]
    public void A_push_needs_two_copies_unless_the_cluster_or_the_copy_count_is_smaller(int managers, int? copies, int needed) =>
        Assert.Equal(needed, DurableCopies.Needed(managers, copies));

    [Fact]
    public void Only_copies_on_live_managers_count_and_each_manager_once()
    {
        BlobLocation[] locations =
        [
            new(Layer, "m1", 5),
            new(Layer, "gone", 5),
            new(Config, "m1", 6),
            new(Config, "m2", 6),
        ];

        var shortfalls = DurableCopies.Shortfalls(locations, ["m1", "m2", "m3"], [Layer, Config, Layer], copies: null);

        Assert.Equal([new BlobShortfall(Layer, 1, 2)], shortfalls);
        Assert.Equal($"blob {Layer} is held by 1 manager, 2 needed", DurableCopies.Describe(shortfalls));
    }

    [Fact]
    public void A_blob_nobody_holds_is_short_of_every_copy_and_one_manager_needs_only_its_own()
    {
        Assert.Equal([new BlobShortfall(Layer, 0, 2)], DurableCopies.Shortfalls([], ["m1", "m2"], [Layer], copies: null));
        Assert.Empty(DurableCopies.Shortfalls([new BlobLocation(Layer, "m1", 5)], ["m1"], [Layer], copies: null));
        Assert.Empty(DurableCopies.Shortfalls([new BlobLocation(Layer, "m1", 5)], ["m1", "m2", "m3"], [Layer], copies: 1));
    }

    [Fact]
    public void The_acknowledgement_timeout_must_be_positive_and_bounded()
    {
        var validator = new RegistryDurabilityOptionsValidator();

        Assert.True(validator.Validate(null, new RegistryDurabilityOptions()).Succeeded);
        Assert.Equal(TimeSpan.FromMinutes(2), new RegistryDurabilityOptions().AcknowledgeTimeout);
        Assert.Contains("AcknowledgeTimeout", validator.Validate(null, new RegistryDurabilityOptions { AcknowledgeTimeout = TimeSpan.Zero }).FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new RegistryDurabilityOptions { AcknowledgeTimeout = TimeSpan.FromHours(2) }).Failed);
    }
}
