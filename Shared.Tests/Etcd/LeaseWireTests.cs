using System.Diagnostics;
using ClusterKit.Proto.Etcd.Rpc;
using static ClusterKit.Shared.Tests.Etcd.EtcdKeys;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>Leases through our generated client against a real etcd: grant, keep-alive, time-to-live with keys, revoke, expiry.</summary>
public sealed class LeaseWireTests(EtcdFixture etcd) : IClassFixture<EtcdFixture>
{
    [Fact]
    public async Task Grant_attach_and_time_to_live_with_keys_read_as_etcdctl_reads_them()
    {
        var key = EtcdFixture.Prefix() + "k";
        var grant = await etcd.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = 60 }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("v"), Lease = grant.ID }, deadline: EtcdFixture.Deadline);

        var ours = await etcd.Lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = grant.ID, Keys = true }, deadline: EtcdFixture.Deadline);
        var leases = await etcd.Lease.LeaseLeasesAsync(new LeaseLeasesRequest(), deadline: EtcdFixture.Deadline);

        // etcdctl prints these responses flattened, with its own names (id, ttl, granted-ttl).
        var theirs = await etcd.EtcdctlJsonAsync("lease", "timetolive", grant.ID.ToString("x", System.Globalization.CultureInfo.InvariantCulture), "--keys");
        Assert.Equal((60L, string.Empty), (grant.TTL, grant.Error));
        Assert.Equal(theirs.GetProperty("id").GetInt64(), ours.ID);
        Assert.Equal(theirs.GetProperty("granted-ttl").GetInt64(), ours.GrantedTTL);
        Assert.InRange(ours.TTL, theirs.GetProperty("ttl").GetInt64() - 1, 60);
        Assert.Equal([key], ours.Keys.Select(k => k.ToStringUtf8()));
        Assert.Equal(theirs.GetProperty("keys")[0].GetString(), ours.Keys[0].ToBase64());
        Assert.Equal(theirs.GetProperty("cluster_id").GetUInt64(), ours.Header.ClusterId);
        Assert.Equal(grant.ID, (await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(key) }, deadline: EtcdFixture.Deadline)).Kvs[0].Lease);
        var listed = await etcd.EtcdctlJsonAsync("lease", "list");
        Assert.Equal(listed.GetProperty("leases").EnumerateArray().Select(l => l.GetProperty("id").GetInt64()).Order(), leases.Leases.Select(l => l.ID).Order());
        Assert.Contains(grant.ID, leases.Leases.Select(l => l.ID));
    }

    [Fact]
    public async Task Keep_alive_renews_the_lease_on_the_stream()
    {
        var grant = await etcd.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 }, deadline: EtcdFixture.Deadline);
        using var stream = etcd.Lease.LeaseKeepAlive(deadline: EtcdFixture.Deadline);

        await stream.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = grant.ID });
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        var renewed = stream.ResponseStream.Current;
        await stream.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = grant.ID + 1 });
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        var unknown = stream.ResponseStream.Current;
        await stream.RequestStream.CompleteAsync();

        Assert.Equal((grant.ID, 30L), (renewed.ID, renewed.TTL));
        Assert.NotEqual(0UL, renewed.Header.MemberId);
        // A lease that does not exist: no error on the stream, TTL 0 (etcdctl prints "lease expired or revoked").
        Assert.Equal((grant.ID + 1, 0L), (unknown.ID, unknown.TTL));
    }

    [Fact]
    public async Task Revoke_deletes_the_attached_keys_and_time_to_live_then_says_minus_one()
    {
        var prefix = EtcdFixture.Prefix();
        var grant = await etcd.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = 60 }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "a"), Value = Key("v"), Lease = grant.ID }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "b"), Value = Key("v"), Lease = grant.ID }, deadline: EtcdFixture.Deadline);

        var revoked = await etcd.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = grant.ID }, deadline: EtcdFixture.Deadline);
        var after = await etcd.Lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = grant.ID, Keys = true }, deadline: EtcdFixture.Deadline);

        var left = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix) }, deadline: EtcdFixture.Deadline);
        Assert.Equal(0, left.Count);
        Assert.NotEqual(0, revoked.Header.Revision);
        Assert.Equal((-1L, 0L, 0), (after.TTL, after.GrantedTTL, after.Keys.Count));
    }

    [Fact]
    public async Task A_key_disappears_when_its_lease_expires()
    {
        var key = EtcdFixture.Prefix() + "k";
        var grant = await etcd.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = 1 }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("v"), Lease = grant.ID }, deadline: EtcdFixture.Deadline);
        var clock = Stopwatch.StartNew();

        long count;
        do
        {
            await Task.Delay(100);
            count = (await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(key), CountOnly = true }, deadline: EtcdFixture.Deadline)).Count;
        }
        while (count > 0 && clock.Elapsed < TimeSpan.FromSeconds(8));

        // etcd 3.4 raises a TTL under its minimum at grant: 1.5 election timeouts rounded up to seconds, 2 s with the defaults.
        Assert.Equal(2, grant.TTL);
        Assert.True(count == 0, $"the key was still there {clock.Elapsed.TotalSeconds:0.0} s after its 2 s lease began");
        Assert.Equal(-1, (await etcd.Lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = grant.ID }, deadline: EtcdFixture.Deadline)).TTL);
    }
}
