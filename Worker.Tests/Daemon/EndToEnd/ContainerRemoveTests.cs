namespace ClusterKit.Worker.Tests.EndToEnd;

[Collection(WorkerCollection.Name)]
public sealed class ContainerRemoveTests(WorkerFixture fixture)
{
    private string ContainersDirectory => Path.Combine(fixture.Worker.DataRoot, "containers");

    [Fact]
    public async Task A_removed_container_leaves_no_directory_and_stays_removed_after_a_worker_restart()
    {
        var name = "gone-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "--network", "none", "--name", name, "busybox", "true").ExitCode);
        var inspect = fixture.Ck("container", "inspect", name);
        var id = System.Text.RegularExpressions.Regex.Match(inspect.Output, "\"id\": \"([0-9a-f]{16,})\"").Groups[1].Value;
        Assert.True(id.Length >= 16, inspect.Output);
        Assert.True(Directory.Exists(Path.Combine(ContainersDirectory, id[..16])));
        Assert.Equal(0, fixture.Ck("container", "rm", name).ExitCode);

        // The files go in the background; the container's directory must go at once.
        Assert.False(Directory.Exists(Path.Combine(ContainersDirectory, id[..16])));
        await WaitForNoTrashAsync();

        await fixture.RestartWorkerAsync(kill: true);
        Assert.NotEqual(0, fixture.Ck("container", "inspect", name).ExitCode);
        Assert.DoesNotContain(name, fixture.Ck("container", "ps", "-a").Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trash_left_by_a_stopped_worker_is_deleted_at_the_next_start()
    {
        var trash = Path.Combine(ContainersDirectory, ".trash-ckt" + Guid.NewGuid().ToString("N")[..13]);
        Directory.CreateDirectory(Path.Combine(trash, "upper", "etc"));
        await File.WriteAllTextAsync(Path.Combine(trash, "container.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(trash, "upper", "etc", "motd"), "left over");

        await fixture.RestartWorkerAsync(kill: true);

        await WaitForNoTrashAsync();
        Assert.False(Directory.Exists(trash));
        Assert.DoesNotContain("no container.json", fixture.Ck("container", "ps", "-a").Output, StringComparison.Ordinal);
    }

    private async Task WaitForNoTrashAsync()
    {
        for (var i = 0; i < 100 && Directory.EnumerateDirectories(ContainersDirectory, ".trash-*").Any(); i++)
        {
            await Task.Delay(50);
        }

        Assert.Empty(Directory.EnumerateDirectories(ContainersDirectory, ".trash-*"));
    }
}
