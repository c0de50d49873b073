using System.Text.Json;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>
/// `ck image push|pull` through the real ck and ck-worker, against Debian's reference registry started on the
/// loopback of the worker's own network namespace.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class ImageTransferTests(WorkerFixture fixture)
{
    [Fact]
    public async Task Push_then_pull_under_another_name_gives_the_same_image_and_a_second_push_sends_nothing()
    {
        await using var registry = await ReferenceRegistry.StartAsync(fixture.Worker.Tag);
        var push = fixture.Ck("image", "push", "busybox:latest", "--registry", registry.Address);
        var again = fixture.Ck("image", "push", "busybox:latest", "--registry", registry.Address);
        var pull = fixture.Ck("image", "pull", $"{registry.Address}/library/busybox:latest");

        Assert.True(push.ExitCode == 0, push.Output + registry.Log());
        Assert.Contains($"{registry.Address}/library/busybox:latest: pushed 2 blob(s)", push.Output, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("pushed 0 blob(s), 0 bytes, 2 already there", again.Output, StringComparison.Ordinal);
        Assert.True(pull.ExitCode == 0, pull.Output);
        Assert.Equal(ImageId("busybox:latest"), ImageId($"{registry.Address}/library/busybox:latest"));

        var run = fixture.Ck("container", "run", "--rm", "--network", "none", $"{registry.Address}/library/busybox:latest", "echo", "ran-the-pulled-image");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("ran-the-pulled-image", run.Output, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Ck("image", "rm", $"{registry.Address}/library/busybox:latest").ExitCode);
    }

    [Fact]
    public async Task A_missing_tag_and_a_stopped_registry_are_one_line_errors_and_the_store_keeps_nothing()
    {
        await using var registry = await ReferenceRegistry.StartAsync(fixture.Worker.Tag);
        var before = fixture.Ck("image", "ls", "-q").Output;

        var missing = fixture.Ck("image", "pull", $"{registry.Address}/ckt/nothing:here");
        await registry.StopAsync();
        var stopped = fixture.Ck("image", "pull", $"{registry.Address}/library/busybox:latest");

        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("MANIFEST_UNKNOWN", missing.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", missing.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, stopped.ExitCode);
        Assert.Contains(registry.Address, stopped.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stopped.Output, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Ck("image", "ls", "-q").Output);
    }

    private string ImageId(string reference)
    {
        var (code, output) = fixture.Ck("image", "inspect", reference);
        Assert.True(code == 0, output);
        using var document = JsonDocument.Parse(output);
        return document.RootElement[0].GetProperty("id").GetString()!;
    }
}
