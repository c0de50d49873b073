using System.Net.Sockets;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>A manager that cannot take its raft address says which address and stops, instead of crashing with a trace.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class StartFailureTests
{
    [Fact]
    public async Task A_raft_address_in_use_stops_the_start_with_one_line_naming_it()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 1);
        var manager = cluster.Managers[0];
        using var squatter = new TcpListener(manager.Raft);
        squatter.Start();

        manager.Start();

        Assert.True(await manager.WaitForExitAsync(TimeSpan.FromSeconds(30)), "a manager whose raft port is taken kept running:\n" + manager.RecentOutput());
        Assert.Equal(3, manager.ExitCode);
        var output = manager.RecentOutput(20);
        Assert.Contains($"ck-manager: cannot start: raft address {manager.Raft} cannot be bound", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }
}
