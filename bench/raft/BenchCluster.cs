using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Bench.Raft;

/// <summary>One ck-manager as the benchmark drives it: writes through its store API, status, kill -9, pause and restart.</summary>
internal interface IBenchManager
{
    string NodeId { get; }

    StoreService.StoreServiceClient Client { get; }

    Task<StatusResponse?> TryStatusAsync(TimeSpan timeout);

    void Kill();

    /// <summary>SIGSTOP: the process stalls with its connections open.</summary>
    void Pause();

    /// <summary>SIGCONT.</summary>
    void Resume();

    void Start();

    string RecentOutput();
}

/// <summary>Three managers, either with a fixed member list over plain TCP or a cluster formed by init and joins (mutual TLS).</summary>
internal abstract class BenchCluster : IAsyncDisposable
{
    public abstract IReadOnlyList<IBenchManager> Managers { get; }

    /// <summary>What the JSON says about the transport.</summary>
    public abstract string Transport { get; }

    public static async Task<BenchCluster> StartAsync(BenchOptions options, string root, IReadOnlyList<string> managerArgs)
    {
        if (options.Tls)
        {
            return await SecureBenchCluster.StartAsync(root, managerArgs);
        }

        var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3, managerArgs, root);
        cluster.StartAll();
        return new PlainBenchCluster(cluster);
    }

    /// <summary>Waits until every running manager names the same leader and that leader says so itself.</summary>
    public async Task<IBenchManager> WaitForLeaderAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var statuses = await Task.WhenAll(Managers.Select(m => m.TryStatusAsync(TimeSpan.FromSeconds(1))));
            var running = statuses.Where(s => s is not null).ToArray();
            var leader = running.FirstOrDefault(s => s!.IsLeader);
            if (leader is not null && running.All(s => s!.LeaderNodeId == leader.NodeId))
            {
                return Managers.Single(m => m.NodeId == leader.NodeId);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no leader agreed on within {timeout.TotalSeconds} s:\n{string.Join('\n', Managers.Select(m => $"--- {m.NodeId}\n{m.RecentOutput()}"))}");
    }

    public abstract ValueTask DisposeAsync();

    private sealed class PlainBenchCluster(ManagerCluster cluster) : BenchCluster
    {
        public override IReadOnlyList<IBenchManager> Managers { get; } = [.. cluster.Managers.Select(m => new PlainManager(m))];

        public override string Transport => "plain TCP (fixed member list)";

        public override ValueTask DisposeAsync() => cluster.DisposeAsync();
    }

    private sealed class PlainManager(ManagerProcess process) : IBenchManager
    {
        public string NodeId => process.NodeId;

        public StoreService.StoreServiceClient Client => process.Client;

        public Task<StatusResponse?> TryStatusAsync(TimeSpan timeout) => process.TryStatusAsync(timeout);

        public void Kill() => process.Kill();

        public void Pause() => process.Pause();

        public void Resume() => process.Resume();

        public void Start() => process.Start();

        public string RecentOutput() => process.RecentOutput(15);
    }
}
