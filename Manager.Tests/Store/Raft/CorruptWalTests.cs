
namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>A damaged log file stops the manager with a one-line reason and leaves the files as they were.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class CorruptWalTests
{
    [Fact]
    public async Task A_corrupt_log_entry_stops_the_start_with_a_clear_error_and_nothing_changed()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 1);
        var manager = cluster.Managers[0];
        manager.Start();
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 5; i++)
        {
            await ClusterTests.PutAsync(manager, $"key{i}", $"value{i}");
        }

        await manager.StopAsync();
        var segment = Directory.GetFiles(Path.Combine(manager.DataDirectory, "wal", "data")).Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(segment);
        Array.Fill(bytes, (byte)0xff, 8, 16);
        await File.WriteAllBytesAsync(segment, bytes);

        manager.Start();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (manager.IsRunning && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        Assert.False(manager.IsRunning, "a manager with a damaged log kept running:\n" + manager.RecentOutput());
        Assert.Equal(3, manager.ExitCode);
        var output = manager.RecentOutput(20);
        Assert.Contains("ck-manager: cannot start: the raft log in " + Path.Combine(manager.DataDirectory, "wal") + " is damaged", output, StringComparison.Ordinal);
        Assert.Contains("nothing was changed on disk", output, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(segment));
    }
}
