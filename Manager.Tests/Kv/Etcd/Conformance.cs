using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.TestKit;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>etcd's clients on one channel: a real etcd's or ours.</summary>
internal sealed class EtcdClients(GrpcChannel channel)
{
    public KV.KVClient Kv { get; } = new(channel);

    public Watch.WatchClient Watch { get; } = new(channel);

    public Lease.LeaseClient Lease { get; } = new(channel);

    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(10);
}

/// <summary>
/// What one run of a scenario saw, step by step: each response as JSON (every non-zero field) with the header's
/// cluster id, member id and Raft term cleared (they name the server), or the status a call failed with.
/// </summary>
internal sealed class Transcript
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines => _lines;

    public async Task<T?> CallAsync<T>(string step, AsyncUnaryCall<T> call)
        where T : class, IMessage
    {
        try
        {
            var response = await call;
            Record(step, response);
            return response;
        }
        catch (RpcException e)
        {
            _lines.Add($"{step}: {e.StatusCode} \"{e.Status.Detail}\"");
            return null;
        }
    }

    public void Record(string step, IMessage message) => _lines.Add($"{step}: {Json.Format(Anonymous(message))}");

    private static IMessage Anonymous(IMessage message)
    {
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        Clear(copy);
        return copy;
    }

    private static void Clear(IMessage message)
    {
        if (message is ResponseHeader header)
        {
            header.ClusterId = 0;
            header.MemberId = 0;
            header.RaftTerm = 0;
            return;
        }

        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.Message))
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var item in ((System.Collections.IEnumerable)value).OfType<IMessage>())
                {
                    Clear(item);
                }
            }
            else if (value is IMessage inner)
            {
                Clear(inner);
            }
        }
    }
}

/// <summary>Runs a scenario against a fresh real etcd 3.4 and a fresh ClusterKit server and compares what each saw.</summary>
internal static class Conformance
{
    public static async Task AssertSameAsync(Func<EtcdClients, Transcript, Task> scenario)
    {
        var theirs = new Transcript();
        await using (var etcd = await ReferenceEtcd.StartAsync())
        {
            using var channel = GrpcChannel.ForAddress(etcd.ClientUrl);
            await scenario(new EtcdClients(channel), theirs);
        }

        var ours = new Transcript();
        await using (var server = await EtcdTestServer.StartAsync())
        {
            await scenario(new EtcdClients(server.Channel), ours);
        }

        for (var i = 0; i < Math.Min(theirs.Lines.Count, ours.Lines.Count); i++)
        {
            Assert.True(theirs.Lines[i] == ours.Lines[i], $"step {i + 1} differs:\netcd: {theirs.Lines[i]}\nours: {ours.Lines[i]}");
        }

        Assert.Equal(theirs.Lines.Count, ours.Lines.Count);
    }

    public static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    public static ByteString PrefixEnd(string prefix) => KvKeyRange.PrefixEnd(Bytes(prefix));
}
