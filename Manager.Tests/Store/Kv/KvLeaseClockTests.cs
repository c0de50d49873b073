using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Store.Kv;

public sealed class KvLeaseClockTests
{
    [Fact]
    public void A_lease_expires_its_ttl_after_its_last_refresh()
    {
        var time = new FakeTimeProvider();
        var clock = new KvLeaseClock(time);
        var store = new MemoryStore();
        store.Grant(1, 10);
        store.Grant(2, 30);
        store.Put("svc/a", "x", lease: 1);
        clock.Observe(store.State.Kv);

        time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(10, clock.KeepAlive(store.State.Kv, 1));
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.Empty(clock.Expired());
        var status = clock.TimeToLive(store.State.Kv, 1, withKeys: true);
        Assert.Equal((2L, 10L), (status.RemainingSeconds, status.GrantedSeconds));
        Assert.Equal("svc/a", Assert.Single(status.Keys).ToStringUtf8());

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([1L], clock.Expired());
        store.Revoke(1);
        clock.Observe(store.State.Kv);
        Assert.Empty(clock.Expired());
        Assert.Null(clock.KeepAlive(store.State.Kv, 1));
        Assert.Equal(-1, clock.TimeToLive(store.State.Kv, 1, withKeys: false).RemainingSeconds);
        Assert.Empty(store.Get("svc/a").Kvs);
    }

    [Fact]
    public void A_new_leader_gives_every_lease_its_full_ttl_from_when_it_took_over()
    {
        var time = new FakeTimeProvider();
        var store = new MemoryStore();
        store.Grant(1, 10);
        var oldLeader = new KvLeaseClock(time);
        oldLeader.Observe(store.State.Kv);
        time.Advance(TimeSpan.FromSeconds(9));

        var newLeader = new KvLeaseClock(time);
        newLeader.Promote(store.State.Kv);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal([1L], oldLeader.Expired());
        Assert.Empty(newLeader.Expired());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1L], newLeader.Expired());
    }

    [Fact]
    public void A_chosen_id_is_positive_and_free()
    {
        var store = new MemoryStore();
        var random = new Random(42);
        var first = KvLeaseClock.ChooseId(store.State.Kv, new Random(42));
        store.Grant(first, 5);
        var second = KvLeaseClock.ChooseId(store.State.Kv, random);
        Assert.True(first > 0 && second > 0 && second != first);
    }
}
