using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;

namespace ClusterKit.Manager.Tests.Registry.Replication;

public sealed class ReplicationPlannerTests
{
    private static readonly string[] Three = ["m1", "m2", "m3"];

    private static Digest Blob(int n) => Digest.Of([(byte)n]);

    [Fact]
    public void With_every_manager_as_target_each_manager_copies_what_it_lacks_from_the_holders()
    {
        BlobLocation[] locations = [new(Blob(1), "m1", 10), new(Blob(2), "m1", 20), new(Blob(2), "m2", 20)];

        Assert.Empty(ReplicationPlanner.Plan(locations, Three, "m1", null));
        var m2 = Assert.Single(ReplicationPlanner.Plan(locations, Three, "m2", null));
        Assert.Equal((Blob(1), 10L), (m2.Digest, m2.Size));
        Assert.Equal(["m1"], m2.Sources);
        var m3 = ReplicationPlanner.Plan(locations, Three, "m3", null);
        Assert.Equal(2, m3.Count);
        Assert.Equal(["m1", "m2"], m3.Single(c => c.Digest == Blob(2)).Sources.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void With_a_copy_count_the_managers_agree_on_who_copies_so_each_blob_reaches_exactly_that_count()
    {
        var locations = Enumerable.Range(0, 200).Select(n => new BlobLocation(Blob(n), Three[n % 3], 1)).ToList();
        var plans = Three.ToDictionary(m => m, m => ReplicationPlanner.Plan(locations, Three, m, 2));

        foreach (var n in Enumerable.Range(0, 200))
        {
            var copiers = Three.Where(m => plans[m].Any(c => c.Digest == Blob(n))).ToList();
            var copier = Assert.Single(copiers);
            Assert.NotEqual(Three[n % 3], copier);
        }

        // The choice spreads over the non-holders instead of always picking the same one.
        Assert.All(Three, m => Assert.InRange(plans[m].Count, 30, 110));
    }

    [Fact]
    public void Copies_on_managers_that_left_neither_count_nor_serve_and_a_count_above_the_cluster_means_all()
    {
        BlobLocation[] locations = [new(Blob(1), "gone", 10), new(Blob(2), "gone", 10), new(Blob(2), "m1", 10)];

        var m2 = ReplicationPlanner.Plan(locations, Three, "m2", 5);
        var copy = Assert.Single(m2);
        Assert.Equal(Blob(2), copy.Digest);
        Assert.Equal(["m1"], copy.Sources);
    }

    [Fact]
    public void Retries_wait_twice_as_long_after_each_failure_up_to_the_cap_and_a_success_resets()
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var now = DateTimeOffset.UnixEpoch;

        Assert.Equal([1, 2, 4, 8, 10, 10], Enumerable.Range(0, 6).Select(_ => backoff.Failed(Blob(1), now).TotalSeconds));
        Assert.False(backoff.IsDue(Blob(1), now + TimeSpan.FromSeconds(9)));
        Assert.True(backoff.IsDue(Blob(1), now + TimeSpan.FromSeconds(10)));
        Assert.Equal(now + TimeSpan.FromSeconds(10), backoff.NextRetry);
        backoff.Succeeded(Blob(1));
        Assert.Null(backoff.NextRetry);
        Assert.Equal(1, backoff.Failed(Blob(1), now).TotalSeconds);
    }

    [Fact]
    public void Options_that_would_never_copy_or_never_wait_are_refused_at_start_up()
    {
        var validator = new BlobReplicationOptionsValidator();

        Assert.True(validator.Validate(null, new BlobReplicationOptions()).Succeeded);
        Assert.True(validator.Validate(null, new BlobReplicationOptions { Copies = 2 }).Succeeded);
        var refused = validator.Validate(null, new BlobReplicationOptions { Copies = 0, Interval = TimeSpan.Zero, RetryBaseDelay = TimeSpan.FromMinutes(10) });
        Assert.True(refused.Failed);
        Assert.Equal(3, refused.Failures!.Count());
    }
}
