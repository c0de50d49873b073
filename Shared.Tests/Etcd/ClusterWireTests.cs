using System.Text.Json;
using ClusterKit.Proto.Etcd.Rpc;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>Maintenance.Status and Cluster.MemberList through our generated client, as etcdctl endpoint status / member list read them.</summary>
public sealed class ClusterWireTests(EtcdFixture etcd) : IClassFixture<EtcdFixture>
{
    [Fact]
    public async Task Status_reads_as_etcdctl_endpoint_status_reads_it()
    {
        // A member just started may still apply its start-up entries (raft index, db size move): compare ours only with
        // an etcdctl reading that was the same before and after it.
        StatusResponse ours;
        JsonElement before, after;
        var tries = 0;
        do
        {
            before = (await etcd.EtcdctlJsonAsync("endpoint", "status"))[0].GetProperty("Status");
            ours = await etcd.Maintenance.StatusAsync(new StatusRequest(), deadline: EtcdFixture.Deadline);
            after = (await etcd.EtcdctlJsonAsync("endpoint", "status"))[0].GetProperty("Status");
        }
        while (before.GetRawText() != after.GetRawText() && ++tries < 10);

        EtcdctlJson.AssertSame(ours, after);
        Assert.StartsWith("3.4.", ours.Version, StringComparison.Ordinal);
        Assert.True(ours.DbSize > 0 && ours.DbSizeInUse > 0, $"dbSize {ours.DbSize}, dbSizeInUse {ours.DbSizeInUse}");
        Assert.Equal(ours.Header.MemberId, ours.Leader);
        Assert.True(ours.RaftIndex > 0 && ours.RaftTerm > 0 && ours.RaftAppliedIndex > 0);
    }

    [Fact]
    public async Task Member_list_reads_as_etcdctl_member_list_reads_it()
    {
        var ours = await etcd.Cluster.MemberListAsync(new MemberListRequest(), deadline: EtcdFixture.Deadline);

        EtcdctlJson.AssertSame(ours, await etcd.EtcdctlJsonAsync("member", "list"));
        var member = Assert.Single(ours.Members);
        Assert.Equal(ours.Header.MemberId, member.ID);
        Assert.Equal("m1", member.Name);
        Assert.Equal([etcd.Etcd.Members[0].PeerUrl], member.PeerURLs);
        Assert.Equal([etcd.Etcd.ClientUrl], member.ClientURLs);
        Assert.False(member.IsLearner);
    }
}
