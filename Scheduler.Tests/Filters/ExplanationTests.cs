using ClusterKit.Manager.Scheduling;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Filters;

public sealed class ExplanationTests
{
    [Fact]
    public void Unplaced_tasks_carry_exact_counts_per_reason_biggest_first()
    {
        var cluster = Cluster(
            Node("m1", memoryGiB: 1, zone: "a"),
            Node("m2", memoryGiB: 1, zone: "a"),
            Node("m3", memoryGiB: 1, zone: "a"),
            Node("z1", zone: "b"),
            Node("z2", zone: "c"),
            Node("d1", zone: "a", availability: NodeAvailability.Drain));
        var batch = Batch(Spec("web", memoryGiB: 2, constraints: ["node.labels.zone==a"]), 2);

        var result = new Manager.Scheduling.Scheduler().Schedule(cluster, [batch]).Batches[0];

        Assert.Empty(result.Assignments);
        Assert.Equal(2, result.Unplaced.Count);
        Assert.Equal(
            "no suitable node (3 nodes: insufficient memory; 2 nodes: constraint node.labels.zone==a not met; 1 node: drained)",
            result.Unplaced[0].Explanation.Message);
        Assert.Equal(
            [new RejectionCount("resources", "insufficient memory", 3), new RejectionCount("constraint", "constraint node.labels.zone==a not met", 2), new RejectionCount("ready", "drained", 1)],
            result.Explanation!.Rejections);
    }

    [Fact]
    public void Tasks_left_over_after_nodes_fill_up_explain_the_state_at_the_end()
    {
        var cluster = Cluster(Node("n1", cpus: 2), Node("n2", cpus: 2), Node("n3", cpus: 8, availability: NodeAvailability.Pause));
        var batch = Batch(Spec("web", cpus: 1, memoryGiB: 0.5, ports: [new HostPort(8080, PortProtocol.Tcp)]), 4);

        var result = new Manager.Scheduling.Scheduler().Schedule(cluster, [batch]).Batches[0];

        Assert.Equal(2, result.Assignments.Count);
        Assert.Equal(2, result.Unplaced.Count);
        Assert.Equal("no suitable node (2 nodes: host port 8080/tcp in use; 1 node: paused)", result.Explanation!.Message);
    }

    [Fact]
    public void Empty_cluster_says_so()
    {
        var result = new Manager.Scheduling.Scheduler().Schedule(new ClusterState(), [Batch(Spec("web"), 1)]).Batches[0];

        Assert.Equal("no suitable node (the cluster has no nodes)", result.Unplaced[0].Explanation.Message);
    }

    [Fact]
    public void Explain_answers_for_a_spec_without_placing()
    {
        var cluster = Cluster(Node("n1", cpus: 1), Node("n2", state: NodeState.Down), Node("n3", platform: new Platform("linux", "arm64")));

        var e = Manager.Scheduling.Scheduler.Explain(cluster, Spec("web", cpus: 2, platforms: [new Platform("linux", "amd64")]));

        Assert.Equal("no suitable node (1 node: down; 1 node: platform not linux/amd64; 1 node: insufficient cpu)", e.Message);
        Assert.Equal(0, cluster.Nodes.Sum(n => n.TaskCount));
    }
}
