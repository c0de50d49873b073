namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>Every bad request is one clear line, a non-zero exit, and nothing left behind.</summary>
[Collection(WorkerCollection.Name)]
public sealed class BadInputTests(WorkerFixture fixture)
{
    [Theory]
    [InlineData("no such image", new[] { "container", "run", "--network", "none", "nosuchimage:1.0" }, "nosuchimage")]
    [InlineData("bad reference", new[] { "container", "run", "--network", "none", "Busy Box" }, "invalid reference")]
    [InlineData("bad memory", new[] { "container", "run", "--memory", "12x", "busybox" }, "invalid --memory '12x'")]
    [InlineData("bad port", new[] { "container", "run", "-p", "80:x", "busybox" }, "invalid port mapping '80:x'")]
    [InlineData("bad restart", new[] { "container", "run", "--restart", "sometimes", "busybox" }, "invalid restart policy")]
    [InlineData("missing command", new[] { "container", "run", "--network", "none", "--entrypoint", "", "busybox" }, "no command")]
    public void Is_refused_with_a_message_naming_the_problem(string what, string[] arguments, string expected)
    {
        var before = fixture.Ck("container", "ps", "-a", "-q").Output;
        var (code, output) = fixture.Ck(arguments);
        Assert.True(code != 0, what);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Equal(before, fixture.Ck("container", "ps", "-a", "-q").Output);
    }

    [Fact]
    public void A_name_in_use_is_refused()
    {
        var name = "taken-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "create", "--network", "none", "--name", name, "busybox", "true").ExitCode);
        try
        {
            var (code, output) = fixture.Ck("container", "create", "--network", "none", "--name", name, "busybox", "true");
            Assert.NotEqual(0, code);
            Assert.Contains($"container name '{name}' is already in use", output, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", name);
        }
    }

    [Fact]
    public void A_truncated_image_tar_is_refused_and_the_store_is_unchanged()
    {
        var archive = Path.Combine(fixture.Scratch, "busybox.tar");
        Assert.Equal(0, fixture.Ck("image", "save", "-o", archive, "busybox:latest").ExitCode);
        var truncated = Path.Combine(fixture.Scratch, "truncated.tar");
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var before = fixture.Ck("image", "ls").Output;

        var (code, output) = fixture.Ck("image", "load", "-i", truncated);

        Assert.NotEqual(0, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Equal(before, fixture.Ck("image", "ls").Output);
    }

    [Fact]
    public void An_image_in_use_cannot_be_removed()
    {
        var name = "user-" + Guid.NewGuid().ToString("N")[..6];
        var image = "only-" + Guid.NewGuid().ToString("N")[..6] + ":1";
        Assert.Equal(0, fixture.Ck("image", "import", fixture.Rootfs, image, "--change", "CMD [\"sh\"]").ExitCode);
        Assert.Equal(0, fixture.Ck("container", "create", "--network", "none", "--name", name, image, "true").ExitCode);
        try
        {
            var (code, output) = fixture.Ck("image", "rm", image);
            Assert.NotEqual(0, code);
            Assert.Contains("used by container", output, StringComparison.Ordinal);
            Assert.Equal(0, fixture.Ck("image", "inspect", image).ExitCode);
        }
        finally
        {
            fixture.Ck("container", "rm", name);
            fixture.Ck("image", "rm", image);
        }
    }

    [Fact]
    public async Task A_request_over_kestrels_body_size_but_under_the_grpc_limit_gets_the_handlers_answer_and_a_bigger_one_one_clear_limit()
    {
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await fixture.Worker.Containers.InspectAsync(new Proto.Worker.V1.ContainerRef { Id = new string('a', 40 << 20) }));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith("no such container: 'aaaa", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length < 2200, "the status must not echo a 40 MB id");

        var tooBig = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await fixture.Worker.Containers.InspectAsync(new Proto.Worker.V1.ContainerRef { Id = new string('a', 65 << 20) }));
        Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, tooBig.StatusCode);
    }
}
