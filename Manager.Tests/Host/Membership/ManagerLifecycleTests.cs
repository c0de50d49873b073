using System.Net;
using System.Net.Sockets;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// Real ck-manager and ck processes on the paths an operator hits when something is wrong: a port
/// taken at start or at init, a cluster without a leader, a manager restarted while others watch.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class ManagerLifecycleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_taken_api_port_stops_the_manager_with_one_line_and_no_stack_trace()
    {
        await using var managers = SecureManagers.Create(1);
        var manager = managers[0];
        using var taken = Occupy(manager.Api);

        manager.Start();
        var until = DateTime.UtcNow + Wait;
        while (manager.IsRunning && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        // The output is read asynchronously: its last lines may arrive just after the exit.
        var output = manager.RecentOutput(100);
        for (var i = 0; i < 50 && !output.Contains("ck-manager:", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            output = manager.RecentOutput(100);
        }

        Assert.False(manager.IsRunning, output);
        Assert.NotEqual(0, manager.ExitCode);
        Assert.Contains($"ck-manager: cannot start: Failed to bind to address https://{manager.Api}: address already in use.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_with_its_raft_port_taken_says_so_keeps_nothing_and_can_be_run_again()
    {
        await using var managers = SecureManagers.Create(1);
        var manager = managers[0];
        var config = Directory.CreateTempSubdirectory("ckt-ck-config-").FullName;
        try
        {
            await managers.StartAllAsync();
            int exit;
            string output;
            using (Occupy(manager.Raft))
            {
                (exit, output) = await CkProcess.RunAsync(TimeSpan.FromSeconds(120), "cluster", "init", "--manager-socket", manager.SocketPath, "--config-dir", config);
            }

            Assert.Equal(1, exit);
            Assert.Contains($"Error: cluster init failed, nothing was kept: raft address {manager.Raft} cannot be bound (Address already in use)", output, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(manager.DataDirectory, "identity")), "the identity of a cluster that does not exist was kept");
            Assert.Empty(Directory.EnumerateFileSystemEntries(manager.DataDirectory));

            var (again, againOutput) = await CkProcess.RunAsync(TimeSpan.FromSeconds(120), "cluster", "init", "--manager-socket", manager.SocketPath, "--config-dir", config);
            Assert.True(again == 0, $"{againOutput}\n{managers.Describe()}");
            Assert.Contains("Cluster initialized", againOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_leader_ck_says_how_many_managers_are_reachable()
    {
        await using var managers = SecureManagers.Create(3);
        await managers.FormAsync();
        var survivor = managers[0];
        await WaitForAsync(() => survivor.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => l.HasQuorum && Reachable(l) == 3, managers);

        managers[1].Kill();
        managers[2].Kill();
        await WaitForAsync(() => survivor.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => !l.HasQuorum, managers);
        var (exit, output) = await CkProcess.RunAsync(TimeSpan.FromSeconds(120), "cluster", "join-token", "worker", "--manager-socket", survivor.SocketPath);

        Assert.Equal(1, exit);
        Assert.StartsWith("Error: no leader: 1 of 3 managers reachable, 2 needed;", output, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_follower_sees_a_restarted_manager_reachable_again_within_seconds()
    {
        await using var managers = SecureManagers.Create(3);
        await managers.FormAsync();
        var all = await WaitForAsync(() => managers[0].LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => l.HasQuorum && Reachable(l) == 3, managers);
        var leaderAddress = all.Nodes.Single(n => n.Reachability == ManagerReachability.Leader).Node.RaftAddress;
        var followers = managers.Managers.Where(m => m.Raft.ToString() != leaderAddress).ToArray();
        var (watcher, restarted) = (followers[0], followers[1]);

        restarted.Kill();
        await WaitForAsync(() => watcher.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => StateOf(l, restarted) == ManagerReachability.Unreachable, managers);
        restarted.Start();
        await restarted.WaitForSocketAsync(Wait);

        // Before the fix the follower kept its own stale "Unreachable" for ~40 s; the leader knows within a heartbeat.
        var seen = await WaitForAsync(
            () => watcher.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync,
            l => StateOf(l, restarted) == ManagerReachability.Reachable,
            managers,
            TimeSpan.FromSeconds(15));
        Assert.Equal(3, Reachable(seen));
    }

    private static int Reachable(ListNodesResponse list) => list.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable);

    private static ManagerReachability? StateOf(ListNodesResponse list, SecureManager manager)
        => list.Nodes.FirstOrDefault(n => n.Node.RaftAddress == manager.Raft.ToString())?.Reachability;

    private static TcpListener Occupy(IPEndPoint endPoint)
    {
        var listener = new TcpListener(endPoint);
        listener.Start();
        return listener;
    }

    private static Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, SecureManagers managers, TimeSpan? within = null)
        => SecureClusterTests.WaitForAsync(read, done, managers, within);
}
