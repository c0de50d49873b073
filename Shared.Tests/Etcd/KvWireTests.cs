using ClusterKit.Proto.Etcd.Rpc;
using static ClusterKit.Shared.Tests.Etcd.EtcdKeys;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>
/// Our generated KV client against a real etcd 3.4: every response must equal what etcdctl (etcd's own generated code)
/// prints for the same request, so a request or response field we numbered differently from etcd fails here.
/// </summary>
public sealed class KvWireTests(EtcdFixture etcd) : IClassFixture<EtcdFixture>
{
    [Fact]
    public async Task Put_then_get_of_one_key_reads_as_etcdctl_reads_it()
    {
        var key = EtcdFixture.Prefix() + "k";
        var put = await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("v1") }, deadline: EtcdFixture.Deadline);

        var ours = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(key) }, deadline: EtcdFixture.Deadline);

        EtcdctlJson.AssertSame(ours, await etcd.EtcdctlJsonAsync("get", key));
        var kv = Assert.Single(ours.Kvs);
        Assert.Equal(put.Header.Revision, kv.ModRevision);
        Assert.Equal(put.Header.Revision, kv.CreateRevision);
        Assert.Equal(1, kv.Version);
        Assert.Equal("v1", kv.Value.ToStringUtf8());
        Assert.NotEqual(0UL, ours.Header.ClusterId);
        Assert.NotEqual(0UL, ours.Header.MemberId);
    }

    [Fact]
    public async Task Prefix_limit_count_only_and_keys_only_read_as_etcdctl_reads_them()
    {
        var prefix = EtcdFixture.Prefix();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + name), Value = Key("value-" + name) }, deadline: EtcdFixture.Deadline);
        }

        var all = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix) }, deadline: EtcdFixture.Deadline);
        var limited = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix), Limit = 2 }, deadline: EtcdFixture.Deadline);
        var counted = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix), CountOnly = true }, deadline: EtcdFixture.Deadline);
        var keysOnly = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix), KeysOnly = true }, deadline: EtcdFixture.Deadline);
        var descending = await etcd.Kv.RangeAsync(
            new RangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix), SortOrder = RangeRequest.Types.SortOrder.Descend, SortTarget = RangeRequest.Types.SortTarget.Key, Serializable = true },
            deadline: EtcdFixture.Deadline);

        EtcdctlJson.AssertSame(all, await etcd.EtcdctlJsonAsync("get", prefix, "--prefix"));
        EtcdctlJson.AssertSame(limited, await etcd.EtcdctlJsonAsync("get", prefix, "--prefix", "--limit=2"));
        // etcdctl 3.4 has no --count-only: the count must be etcdctl's, with no key sent.
        Assert.Equal(all.Header, counted.Header);
        EtcdctlJson.AssertSame(keysOnly, await etcd.EtcdctlJsonAsync("get", prefix, "--prefix", "--keys-only"));
        EtcdctlJson.AssertSame(descending, await etcd.EtcdctlJsonAsync("get", prefix, "--prefix", "--order=DESCEND", "--sort-by=KEY", "--consistency=s"));
        Assert.Equal(3, all.Count);
        Assert.Equal((2, true, 3L), (limited.Kvs.Count, limited.More, limited.Count));
        Assert.Equal((0, 3L), (counted.Kvs.Count, counted.Count));
        Assert.All(keysOnly.Kvs, kv => Assert.True(kv.Value.IsEmpty));
        Assert.Equal(prefix + "c", descending.Kvs[0].Key.ToStringUtf8());
    }

    [Fact]
    public async Task Range_at_a_past_revision_and_put_with_prev_kv_read_as_etcdctl_reads_them()
    {
        var key = EtcdFixture.Prefix() + "k";
        var first = await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("old") }, deadline: EtcdFixture.Deadline);
        var second = await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("new"), PrevKv = true }, deadline: EtcdFixture.Deadline);

        var past = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(key), Revision = first.Header.Revision }, deadline: EtcdFixture.Deadline);
        var now = await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(key) }, deadline: EtcdFixture.Deadline);

        var atFirst = await etcd.EtcdctlJsonAsync("get", key, $"--rev={first.Header.Revision}");
        EtcdctlJson.AssertSame(past, atFirst);
        EtcdctlJson.AssertSame(second.PrevKv, atFirst.GetProperty("kvs")[0]);
        Assert.Equal("old", second.PrevKv.Value.ToStringUtf8());
        var kv = Assert.Single(now.Kvs);
        Assert.Equal((first.Header.Revision, second.Header.Revision, 2L), (kv.CreateRevision, kv.ModRevision, kv.Version));
    }

    [Fact]
    public async Task Delete_range_with_prev_kv_returns_what_was_there()
    {
        var prefix = EtcdFixture.Prefix();
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "a"), Value = Key("1") }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "b"), Value = Key("2") }, deadline: EtcdFixture.Deadline);
        var before = await etcd.EtcdctlJsonAsync("get", prefix, "--prefix");

        var deleted = await etcd.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix), PrevKv = true }, deadline: EtcdFixture.Deadline);

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(before.GetProperty("header").GetProperty("revision").GetInt64() + 1, deleted.Header.Revision);
        Assert.Equal(2, deleted.PrevKvs.Count);
        for (var i = 0; i < 2; i++)
        {
            EtcdctlJson.AssertSame(deleted.PrevKvs[i], before.GetProperty("kvs")[i]);
        }

        var after = await etcd.EtcdctlJsonAsync("get", prefix, "--prefix");
        Assert.False(after.TryGetProperty("count", out _), "etcdctl still counts keys under the deleted prefix");
    }
}
