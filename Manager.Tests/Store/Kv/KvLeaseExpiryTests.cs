using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Store.Kv;

public sealed class KvLeaseExpiryTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly MemoryStore _store = new();
    private readonly KvLeaseClock _clock;

    public KvLeaseExpiryTests() => _clock = new KvLeaseClock(_time);

    private KvLeaseExpiry Loop(Func<KvWrite, CancellationToken, Task<KvWriteResult>>? write = null)
        => new(() => _store.State.Kv, write ?? ((w, _) => Task.FromResult(_store.WriteKv(w))), _clock, _time, NullLogger.Instance);

    [Fact]
    public async Task An_expired_lease_is_revoked_and_all_its_keys_vanish_at_one_revision()
    {
        _store.Grant(1, 10);
        _store.Grant(2, 30);
        _store.Put("svc/a", "x", lease: 1);
        _store.Put("svc/b", "y", lease: 1);
        _store.Put("svc/c", "z", lease: 2);
        var loop = Loop();
        _clock.Promote(_store.State.Kv);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await loop.RevokeExpiredAsync(CancellationToken.None));
        var before = _store.State.Kv.Revision;

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await loop.RevokeExpiredAsync(CancellationToken.None));
        Assert.Equal(before + 1, _store.State.Kv.Revision);
        Assert.Null(_store.State.Kv.Lease(1));
        Assert.Empty(_store.Get("svc/a", "svc/c").Kvs);
        Assert.Equal("z", _store.One("svc/c")!.Value.ToStringUtf8());
        Assert.Equal("svc/a", _store.One("svc/a", revision: before)!.Key.ToStringUtf8());
    }

    [Fact]
    public async Task A_refreshed_lease_lives_its_ttl_after_the_refresh()
    {
        _store.Grant(1, 10);
        var loop = Loop();
        _clock.Promote(_store.State.Kv);
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(10, _clock.KeepAlive(_store.State.Kv, 1));

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await loop.RevokeExpiredAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await loop.RevokeExpiredAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_new_leader_gives_every_lease_its_full_ttl_from_the_takeover()
    {
        // Granted and timed in an earlier term this manager led; it then followed for a minute (its clock not kept).
        _store.Grant(1, 10);
        _clock.Promote(_store.State.Kv);
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal([1L], _clock.Expired());
        using var stepDown = new CancellationTokenSource();
        var run = Loop().RunAsync(stepDown.Token);

        _time.Advance(TimeSpan.FromSeconds(9.5));
        await Task.Yield();
        Assert.NotNull(_store.State.Kv.Lease(1));

        for (var i = 0; i < 10 && _store.State.Kv.Lease(1) is not null; i++)
        {
            _time.Advance(KvLeaseExpiry.DefaultTick);
            await Task.Delay(20);
        }

        Assert.Null(_store.State.Kv.Lease(1));
        await stepDown.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_grant_made_while_leading_starts_its_ttl_when_observed()
    {
        var loop = Loop();
        _clock.Promote(_store.State.Kv);
        _time.Advance(TimeSpan.FromSeconds(100));
        _store.Grant(7, 5);
        Assert.Equal(0, await loop.RevokeExpiredAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await loop.RevokeExpiredAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Leadership_lost_leaves_the_lease_for_the_next_pass_and_a_lease_revoked_meanwhile_is_no_error()
    {
        _store.Grant(1, 2);
        _store.Grant(2, 2);
        var deposed = Loop((_, _) => Task.FromException<KvWriteResult>(new LeaderUnavailableException("not leading")));
        _clock.Promote(_store.State.Kv);
        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(0, await deposed.RevokeExpiredAsync(CancellationToken.None));
        Assert.NotNull(_store.State.Kv.Lease(1));

        var revokedByClient = Loop((w, _) =>
        {
            _store.Revoke(w.LeaseRevoke.Id);
            return Task.FromException<KvWriteResult>(KvException.LeaseNotFound(w.LeaseRevoke.Id));
        });
        Assert.Equal(0, await revokedByClient.RevokeExpiredAsync(CancellationToken.None));
        Assert.Empty(_store.State.Kv.Leases);
        Assert.Empty(_clock.Expired());
    }
}
