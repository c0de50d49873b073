using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.TestKit;
using Grpc.Net.Client;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>The test kit's reference etcd itself: a three-member cluster on loopback, and nothing of it left after dispose.</summary>
public sealed class ReferenceEtcdTests
{
    [Fact]
    public async Task Three_members_form_one_cluster_and_dispose_ends_their_processes_and_removes_their_data()
    {
        var etcd = await ReferenceEtcd.StartAsync(memberCount: 3);
        var pids = etcd.ProcessIds;
        var dataDirectory = Path.GetDirectoryName(etcd.Members[0].DataDirectory)!;
        try
        {
            using var channel = GrpcChannel.ForAddress(etcd.Members[2].ClientUrl);
            var members = await new Cluster.ClusterClient(channel).MemberListAsync(new MemberListRequest(), deadline: EtcdFixture.Deadline);
            var put = await new KV.KVClient(channel).PutAsync(new PutRequest { Key = EtcdKeys.Key("/three"), Value = EtcdKeys.Key("v") }, deadline: EtcdFixture.Deadline);
            var read = await etcd.EtcdctlAsync(["get", "/three", "--print-value-only"]);

            Assert.Equal(["m1", "m2", "m3"], members.Members.Select(m => m.Name).Order());
            Assert.Equal(3, pids.Distinct().Count());
            Assert.Equal(etcd.Endpoints.Split(',').Length, members.Members.Count);
            Assert.Equal("v", read.Stdout.Trim());
            Assert.NotEqual(0, put.Header.Revision);
        }
        finally
        {
            await etcd.DisposeAsync();
        }

        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"etcd PID {pid} is still running"));
        Assert.False(Directory.Exists(dataDirectory), $"{dataDirectory} is still there");
    }

    [Fact]
    public async Task A_member_count_outside_one_to_seven_is_refused_by_name()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ReferenceEtcd.StartAsync(memberCount: 0));

        Assert.Equal("memberCount", error.ParamName);
        Assert.Contains("1 to 7 members", error.Message, StringComparison.Ordinal);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
