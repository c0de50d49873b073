using ClusterKit.Proto.Etcd.Rpc;
using static ClusterKit.Shared.Tests.Etcd.EtcdKeys;
using CompareResult = ClusterKit.Proto.Etcd.Rpc.Compare.Types.CompareResult;
using CompareTarget = ClusterKit.Proto.Etcd.Rpc.Compare.Types.CompareTarget;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>Txn through our generated client against a real etcd: compares on each target, both branches, nested responses.</summary>
public sealed class TxnWireTests(EtcdFixture etcd) : IClassFixture<EtcdFixture>
{
    [Fact]
    public async Task Compares_on_value_version_create_and_mod_revision_that_hold_take_the_success_branch_as_etcdctl_does()
    {
        var key = EtcdFixture.Prefix() + "k";
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("v") }, deadline: EtcdFixture.Deadline);
        var kv = (await etcd.Kv.RangeAsync(new RangeRequest { Key = Key(key) }, deadline: EtcdFixture.Deadline)).Kvs[0];
        var txn = new TxnRequest
        {
            Compare =
            {
                new Compare { Key = Key(key), Target = CompareTarget.Value, Result = CompareResult.Equal, Value = Key("v") },
                new Compare { Key = Key(key), Target = CompareTarget.Version, Result = CompareResult.Equal, Version = 1 },
                new Compare { Key = Key(key), Target = CompareTarget.Create, Result = CompareResult.Equal, CreateRevision = kv.CreateRevision },
                new Compare { Key = Key(key), Target = CompareTarget.Mod, Result = CompareResult.Equal, ModRevision = kv.ModRevision },
            },
            Success = { new RequestOp { RequestRange = new RangeRequest { Key = Key(key) } } },
            Failure = { new RequestOp { RequestPut = new PutRequest { Key = Key(key), Value = Key("failed") } } },
        };

        var ours = await etcd.Kv.TxnAsync(txn, deadline: EtcdFixture.Deadline);

        var theirs = await etcd.EtcdctlTxnJsonAsync($"""
            value("{key}") = "v"
            version("{key}") = "1"
            create("{key}") = "{kv.CreateRevision}"
            mod("{key}") = "{kv.ModRevision}"

            get {key}

            put {key} failed


            """);
        Assert.True(ours.Succeeded);
        EtcdctlJson.AssertSame(ours, theirs);
        Assert.Equal("v", ours.Responses[0].ResponseRange.Kvs[0].Value.ToStringUtf8());
    }

    public static TheoryData<string> FalseCompares => ["value", "version", "create", "mod"];

    [Theory]
    [MemberData(nameof(FalseCompares))]
    public async Task One_compare_that_fails_takes_the_failure_branch_and_writes_its_put(string target)
    {
        var key = EtcdFixture.Prefix() + target;
        var put = await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("v") }, deadline: EtcdFixture.Deadline);
        var compare = new Compare { Key = Key(key), Result = CompareResult.Equal };
        switch (target)
        {
            case "value": compare.Target = CompareTarget.Value; compare.Value = Key("other"); break;
            case "version": compare.Target = CompareTarget.Version; compare.Version = 2; break;
            case "create": compare.Target = CompareTarget.Create; compare.CreateRevision = put.Header.Revision + 1; break;
            default: compare.Target = CompareTarget.Mod; compare.ModRevision = put.Header.Revision - 1; break;
        }

        var ours = await etcd.Kv.TxnAsync(
            new TxnRequest
            {
                Compare = { compare },
                Success = { new RequestOp { RequestPut = new PutRequest { Key = Key(key), Value = Key("success") } } },
                Failure = { new RequestOp { RequestPut = new PutRequest { Key = Key(key), Value = Key("failure"), PrevKv = true } } },
            },
            deadline: EtcdFixture.Deadline);

        Assert.False(ours.Succeeded);
        var response = Assert.Single(ours.Responses);
        Assert.Equal(ResponseOp.ResponseOneofCase.ResponsePut, response.ResponseCase);
        Assert.Equal(put.Header.Revision + 1, ours.Header.Revision);
        var now = await etcd.EtcdctlJsonAsync("get", key);
        Assert.Equal("failure", System.Text.Encoding.UTF8.GetString(now.GetProperty("kvs")[0].GetProperty("value").GetBytesFromBase64()));
        EtcdctlJson.AssertSame(response.ResponsePut.PrevKv, (await etcd.EtcdctlJsonAsync("get", key, $"--rev={put.Header.Revision}")).GetProperty("kvs")[0]);
    }

    [Fact]
    public async Task A_compare_that_does_not_hold_as_etcdctl_sends_it_takes_the_same_failure_branch()
    {
        var key = EtcdFixture.Prefix() + "k";
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(key), Value = Key("v") }, deadline: EtcdFixture.Deadline);

        var ours = await etcd.Kv.TxnAsync(
            new TxnRequest
            {
                Compare = { new Compare { Key = Key(key), Target = CompareTarget.Version, Result = CompareResult.Greater, Version = 5 } },
                Success = { new RequestOp { RequestRange = new RangeRequest { Key = Key(key), KeysOnly = true } } },
                Failure = { new RequestOp { RequestRange = new RangeRequest { Key = Key(key), Limit = 1 } } },
            },
            deadline: EtcdFixture.Deadline);

        var theirs = await etcd.EtcdctlTxnJsonAsync($"""
            version("{key}") > "5"

            get {key} --keys-only

            get {key} --limit=1


            """);
        Assert.False(ours.Succeeded);
        EtcdctlJson.AssertSame(ours, theirs);
    }
}
