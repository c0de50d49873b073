using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// The checks of a txn before anything runs: at most <see cref="KvLimits.MaxTxnOps"/> compares, success and failure
/// ops each; no key put twice, or put and deleted, in one branch. A nested txn counts with both of its branches (either
/// may run), each of which is checked on its own first.
/// </summary>
internal static class KvTxnChecks
{
    public static void Check(KvTxn txn) => Keys(txn);

    public static KvException EmptyOp()
        => new(KvErrorCode.InvalidArgument, "a txn op names no request; allowed: range, put, delete_range, txn");

    private static (HashSet<ByteString> Puts, List<KvKeyRange> Deletes) Keys(KvTxn txn)
    {
        CheckCount("compare", txn.Compare.Count);
        CheckCount("success", txn.Success.Count);
        CheckCount("failure", txn.Failure.Count);
        foreach (var compare in txn.Compare)
        {
            KvLimits.CheckKey(compare.Key, "compare key");
        }

        var success = Branch(txn.Success);
        var failure = Branch(txn.Failure);
        success.Puts.UnionWith(failure.Puts);
        success.Deletes.AddRange(failure.Deletes);
        return success;
    }

    private static (HashSet<ByteString> Puts, List<KvKeyRange> Deletes) Branch(RepeatedField<KvRequestOp> ops)
    {
        var puts = new HashSet<ByteString>();
        var deletes = new List<KvKeyRange>();
        foreach (var op in ops)
        {
            switch (op.RequestCase)
            {
                case KvRequestOp.RequestOneofCase.Range:
                    break;
                case KvRequestOp.RequestOneofCase.Put:
                    AddPut(puts, op.Put.Key);
                    break;
                case KvRequestOp.RequestOneofCase.DeleteRange:
                    deletes.Add(KvKeyRange.Of(op.DeleteRange.Key, op.DeleteRange.RangeEnd));
                    break;
                case KvRequestOp.RequestOneofCase.Txn:
                    var nested = Keys(op.Txn);
                    foreach (var key in nested.Puts)
                    {
                        AddPut(puts, key);
                    }

                    deletes.AddRange(nested.Deletes);
                    break;
                default:
                    throw EmptyOp();
            }
        }

        foreach (var key in puts)
        {
            if (deletes.Any(d => d.Contains(key)))
            {
                throw Duplicate(key);
            }
        }

        return (puts, deletes);
    }

    private static void AddPut(HashSet<ByteString> puts, ByteString key)
    {
        if (!puts.Add(key))
        {
            throw Duplicate(key);
        }
    }

    private static void CheckCount(string list, int count)
    {
        if (count > KvLimits.MaxTxnOps)
        {
            throw new KvException(
                KvErrorCode.TooManyOps,
                $"etcdserver: too many operations in txn request ({list} has {count}; at most {KvLimits.MaxTxnOps} allowed)");
        }
    }

    public static KvException Duplicate(ByteString key)
        => new(KvErrorCode.DuplicateKey, $"etcdserver: duplicate key given in txn request ({KvKeyText.Show(key)})");
}
