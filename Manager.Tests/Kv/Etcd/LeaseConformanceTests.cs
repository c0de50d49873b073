using ClusterKit.Proto.Etcd.Rpc;
using static ClusterKit.Manager.Tests.Kv.Etcd.Conformance;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>Leases against a real etcd 3.4 and ours: grant, keep-alive, time-to-live with keys, leases, revoke taking the keys.</summary>
public sealed class LeaseConformanceTests
{
    [Fact]
    public Task Grant_keep_alive_time_to_live_and_revoke_with_its_keys_vanishing() => AssertSameAsync(async (etcd, t) =>
    {
        var (kv, lease) = (etcd.Kv, etcd.Lease);
        await t.CallAsync("grant 100 for 60 s", lease.LeaseGrantAsync(new LeaseGrantRequest { ID = 100, TTL = 60 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("grant 101 for 1 s (raised to the minimum)", lease.LeaseGrantAsync(new LeaseGrantRequest { ID = 101, TTL = 1 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("grant 100 again", lease.LeaseGrantAsync(new LeaseGrantRequest { ID = 100, TTL = 60 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("grant too long", lease.LeaseGrantAsync(new LeaseGrantRequest { ID = 102, TTL = 9_000_000_001 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put a on 100", kv.PutAsync(new PutRequest { Key = Bytes("/svc/a"), Value = Bytes("1"), Lease = 100 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put b on 100", kv.PutAsync(new PutRequest { Key = Bytes("/svc/b"), Value = Bytes("2"), Lease = 100 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put c", kv.PutAsync(new PutRequest { Key = Bytes("/svc/c"), Value = Bytes("3") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("move b off the lease (ignore_value)", kv.PutAsync(new PutRequest { Key = Bytes("/svc/b"), IgnoreValue = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put b on 100 again", kv.PutAsync(new PutRequest { Key = Bytes("/svc/b"), Value = Bytes("2"), Lease = 100 }, deadline: EtcdClients.Deadline));

        var ttl = await lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = 100, Keys = true }, deadline: EtcdClients.Deadline);
        Assert.InRange(ttl.TTL, 55, 60);
        ttl.TTL = 60; // seconds left depend on when each server was asked
        var keys = ttl.Keys.OrderBy(k => k.ToStringUtf8(), StringComparer.Ordinal).ToList(); // etcd lists them in no fixed order
        ttl.Keys.Clear();
        ttl.Keys.AddRange(keys);
        t.Record("time to live of 100 with keys", ttl);

        using (var keepAlive = lease.LeaseKeepAlive(deadline: EtcdClients.Deadline))
        {
            foreach (var id in new long[] { 100, 101, 999 })
            {
                await keepAlive.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = id });
                Assert.True(await keepAlive.ResponseStream.MoveNext(CancellationToken.None));
                t.Record($"keep-alive {id}", keepAlive.ResponseStream.Current);
            }

            await keepAlive.RequestStream.CompleteAsync();
        }

        var leases = await lease.LeaseLeasesAsync(new LeaseLeasesRequest(), deadline: EtcdClients.Deadline);
        t.Record("leases", new LeaseLeasesResponse { Header = leases.Header, Leases = { leases.Leases.OrderBy(l => l.ID) } });
        await t.CallAsync("revoke 100", lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = 100 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("keys after revoke", kv.RangeAsync(new RangeRequest { Key = Bytes("/svc/"), RangeEnd = PrefixEnd("/svc/") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("time to live of revoked 100", lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = 100, Keys = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("revoke 100 again", lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = 100 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("revoke 101 (no keys)", lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = 101 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("leases after", lease.LeaseLeasesAsync(new LeaseLeasesRequest(), deadline: EtcdClients.Deadline));
    });
}
