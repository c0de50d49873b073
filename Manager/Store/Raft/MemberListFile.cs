using System.Net;
using DotNext.Buffers;
using DotNext.Net;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// The Raft member list on disk (DotNext's persistent configuration storage), so that managers
/// added or removed at run time are still known after a restart.
/// </summary>
internal sealed class MemberListFile(string path) : PersistentClusterConfigurationStorage<EndPoint>(path)
{
    public static string PathIn(string dataDirectory) => System.IO.Path.Combine(dataDirectory, "members.bin");

    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> writer) => writer.WriteEndPoint(address);

    protected override EndPoint Decode(ref SequenceReader reader) => reader.ReadEndPoint();

    /// <summary>Writes the first member list of a manager started with a fixed list of peers.</summary>
    public async Task SeedAsync(IEnumerable<EndPoint> members, CancellationToken token)
    {
        IClusterConfigurationStorage<EndPoint> storage = this;
        var configuration = await storage.LoadConfigurationAsync(token).ConfigureAwait(false);
        foreach (var member in members)
        {
            configuration = configuration.Add(member);
        }

        await ((IClusterConfigurationStorage)this).SaveConfigurationAsync(configuration, configurationVersion: 0L, token).ConfigureAwait(false);
    }
}
