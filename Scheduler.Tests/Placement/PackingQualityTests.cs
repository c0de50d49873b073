using ClusterKit.Manager.Scheduling;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Placement;

/// <summary>
/// Guards bin-pack quality: a small version of the benchmark's packing round (identical nodes,
/// CPU and memory sized independently), where the lower bound on nodes is exact.
/// </summary>
public sealed class PackingQualityTests
{
    private static readonly double[] TaskCpus = [0.05, 0.1, 0.1, 0.15, 0.2, 0.3];
    private static readonly double[] TaskMemoryGiB = [0.125, 0.25, 0.5, 0.5, 1, 1.5];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Bin_pack_stays_within_three_percent_of_the_lower_bound(int seed)
    {
        var (cluster, round, lowerBound) = Workload(seed);

        var result = new Manager.Scheduling.Scheduler().Schedule(cluster, round, (ulong)seed);

        Assert.Equal(0, result.Unplaced);
        var used = cluster.Nodes.Count(n => n.TaskCount > 0);
        Assert.True(used <= lowerBound * 1.03, $"seed {seed}: {used} nodes used, lower bound {lowerBound} (ratio {(double)used / lowerBound:F3})");
    }

    [Fact]
    public void The_workload_is_one_that_per_task_best_fit_packs_badly()
    {
        // Keeps the test above honest: without the plan the same rounds strand a resource.
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var (cluster, round, lowerBound) = Workload(seed);
            new Manager.Scheduling.Scheduler { PlanBinPack = false }.Schedule(cluster, round, (ulong)seed);
            var used = cluster.Nodes.Count(n => n.TaskCount > 0);
            Assert.True(used >= lowerBound * 1.1, $"seed {seed}: plain BestFit used {used} nodes, lower bound {lowerBound}");
        }
    }

    // 300 nodes of 16 cores and 64 GiB; 40 anti-affine services of 1 to 700 tasks (about 14,000).
    private static (ClusterState Cluster, List<TaskBatch> Round, int LowerBound) Workload(int seed)
    {
        var random = new Random(seed);
        var cluster = new ClusterState(Enumerable.Range(0, 300).Select(i => Node($"n{i:D3}", cpus: 16, memoryGiB: 64)));
        var round = new List<TaskBatch>();
        double cpu = 0, memory = 0;
        for (var s = 0; s < 40; s++)
        {
            var spec = Spec($"svc{s:D2}", cpus: TaskCpus[random.Next(TaskCpus.Length)], memoryGiB: TaskMemoryGiB[random.Next(TaskMemoryGiB.Length)], antiAffinity: true);
            var tasks = 1 + random.Next(700);
            round.Add(Batch(spec, tasks));
            cpu += (double)spec.NanoCpus * tasks;
            memory += (double)spec.MemoryBytes * tasks;
        }

        var lowerBound = (int)Math.Max(Math.Ceiling(cpu / (16 * Core)), Math.Ceiling(memory / (64 * GiB)));
        return (cluster, round, lowerBound);
    }
}
