using ClusterKit.Proto.Etcd.Rpc;
using static ClusterKit.Manager.Tests.Kv.Etcd.Conformance;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>Txn against a real etcd 3.4 and ours: compares on every target, both branches, reads seeing the txn's writes, nesting.</summary>
public sealed class TxnConformanceTests
{
    [Fact]
    public Task Compares_choose_the_branch_and_the_branch_responses_match() => AssertSameAsync(async (etcd, t) =>
    {
        var kv = etcd.Kv;
        await t.CallAsync("put x", kv.PutAsync(new PutRequest { Key = Bytes("/x"), Value = Bytes("1") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put x again", kv.PutAsync(new PutRequest { Key = Bytes("/x"), Value = Bytes("2") }, deadline: EtcdClients.Deadline));
        Compare[] compares =
        [
            new() { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = Bytes("2") },
            new() { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Greater, Value = Bytes("3") },
            new() { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 2 },
            new() { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Less, CreateRevision = 3 },
            new() { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.NotEqual, ModRevision = 3 },
            new() { Key = Bytes("/missing"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 },
            new() { Key = Bytes("/missing"), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = Bytes("") },
            new() { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = 0 },
            new() { Key = Bytes("/"), RangeEnd = Bytes("0"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Greater, Version = 0 },
        ];
        for (var i = 0; i < compares.Length; i++)
        {
            var txn = new TxnRequest { Compare = { compares[i] } };
            txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes("/x") } });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes($"/s{i}"), Value = Bytes("yes"), PrevKv = true } });
            txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes($"/s{i}") } });
            txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes("/x"), KeysOnly = true } });
            txn.Failure.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes("/nothing") } });
            await t.CallAsync($"txn on compare {i}", kv.TxnAsync(txn, deadline: EtcdClients.Deadline));
        }

        var nested = new TxnRequest();
        nested.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes("/s"), RangeEnd = Bytes("/t"), PrevKv = true } });
        var inner = new TxnRequest { Compare = { new Compare { Key = Bytes("/x"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Greater, Version = 5 } } };
        inner.Failure.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes("/inner"), Value = Bytes("v") } });
        inner.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes("/"), RangeEnd = Bytes("0"), CountOnly = true } });
        nested.Success.Add(new RequestOp { RequestTxn = inner });
        await t.CallAsync("nested txn", kv.TxnAsync(nested, deadline: EtcdClients.Deadline));
        await t.CallAsync("read-only txn", kv.TxnAsync(new TxnRequest { Success = { new RequestOp { RequestRange = new RangeRequest { Key = Bytes("/inner") } } } }, deadline: EtcdClients.Deadline));
        await t.CallAsync("empty txn", kv.TxnAsync(new TxnRequest(), deadline: EtcdClients.Deadline));
    });
}
