using System.Text.Json;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>`ck image tag` through the real ck against a real worker.</summary>
[Collection(WorkerCollection.Name)]
public sealed class ImageCommandsTests(WorkerFixture fixture)
{
    [Fact]
    public void Tag_adds_a_reference_to_the_same_image()
    {
        var repository = "ckt-tagged-" + Guid.NewGuid().ToString("N")[..6];
        var tag = fixture.Ck("image", "tag", "busybox:latest", repository + ":v2");
        Assert.True(tag.ExitCode == 0, tag.Output);
        try
        {
            var rows = fixture.Ck("image", "ls").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var tagged = Assert.Single(rows, r => r.StartsWith(repository + " ", StringComparison.Ordinal));
            var original = Assert.Single(rows, r => r.StartsWith("busybox ", StringComparison.Ordinal) && Columns(r)[1] == "latest");
            Assert.Equal("v2", Columns(tagged)[1]);
            Assert.Equal(Columns(original)[2], Columns(tagged)[2]);
            Assert.Equal(ImageId("busybox:latest"), ImageId(repository + ":v2"));

            var run = fixture.Ck("container", "run", "--rm", "--network", "none", repository + ":v2", "echo", "from the tag");
            Assert.Equal("from the tag", run.Output.Trim());
        }
        finally
        {
            fixture.Ck("image", "rm", repository + ":v2");
        }

        Assert.DoesNotContain(repository, fixture.Ck("image", "ls").Output, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Ck("image", "inspect", "busybox:latest").ExitCode);
    }

    [Theory]
    [InlineData("Bad-Upper:v1")]
    [InlineData("ckt-bad:tag with space")]
    [InlineData("ckt-bad::v1")]
    public void Tag_with_a_bad_target_reference_is_a_one_line_error(string target)
    {
        var (code, output) = fixture.Ck("image", "tag", "busybox:latest", target);
        Assert.NotEqual(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Error: ", line, StringComparison.Ordinal);
        Assert.Contains(target, line, StringComparison.Ordinal);
        Assert.DoesNotContain(target, fixture.Ck("image", "ls").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Tag_of_an_unknown_image_is_a_one_line_error()
    {
        var (code, output) = fixture.Ck("image", "tag", "ckt-absent:v9", "ckt-never:v1");
        Assert.NotEqual(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Error: ", line, StringComparison.Ordinal);
        Assert.Contains("ckt-absent", line, StringComparison.Ordinal);
        Assert.DoesNotContain("ckt-never", fixture.Ck("image", "ls").Output, StringComparison.Ordinal);
    }

    private string ImageId(string reference)
    {
        var (code, output) = fixture.Ck("image", "inspect", reference);
        Assert.True(code == 0, output);
        using var document = JsonDocument.Parse(output);
        return document.RootElement[0].GetProperty("id").GetString()!;
    }

    private static string[] Columns(string row) => row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
