using ClusterKit.Cli.Commands;
using ClusterKit.Proto.Worker.V1;
using Grpc.Core;

namespace ClusterKit.Cli.Tests.Commands;

/// <summary>`ck image push|pull` output when stdout is not a terminal (a file or a pipe, as in CI).</summary>
public sealed class TransferProgressTests
{
    private const string Config = "sha256:c0ffee0000000000000000000000000000000000000000000000000000000000";
    private const string LayerA = "sha256:aaaa11112222333344445555666677778888999900001111222233334444aaaa";
    private const string LayerB = "sha256:bbbb11112222333344445555666677778888999900001111222233334444bbbb";
    private const string Manifest = "sha256:dddd11112222333344445555666677778888999900001111222233334444dddd";

    [Fact]
    public async Task A_push_prints_one_plain_line_per_blob_as_it_finishes_then_the_summary_and_no_escape_codes()
    {
        var summary = new ImageTransferSummary { Reference = "127.0.0.1:5000/team/app:v1", Digest = Manifest, Transferred = 2, Skipped = 1, Bytes = 3 * 1024 * 1024 + 1500 };
        using var output = new StringWriter();

        var shown = await TransferProgress.PrintAsync(new Events(
            Blob(Config, "config", 0, 1500, "checking"),
            Blob(LayerA, "layer", 0, 3 * 1024 * 1024, "checking"),
            Blob(LayerB, "layer", 0, 700, "checking"),
            Blob(LayerA, "layer", 1024 * 1024, 3 * 1024 * 1024, "uploading"),
            Blob(LayerB, "layer", 700, 700, "exists"),
            Blob(LayerA, "layer", 2 * 1024 * 1024, 3 * 1024 * 1024, "uploading"),
            Blob(Config, "config", 1500, 1500, "uploaded"),
            Blob(LayerA, "layer", 3 * 1024 * 1024, 3 * 1024 * 1024, "uploaded"),
            Blob(Manifest, "manifest", 0, 420, "uploading"),
            Blob(Manifest, "manifest", 420, 420, "uploaded"),
            new ImageTransferEvent { Summary = summary }), "pushed", output, CancellationToken.None);

        Assert.Same(summary, shown);
        Assert.Equal(
            [
                "layer bbbb11112222: skipped, already present (700 B)",
                "config c0ffee000000: pushed (1.5 KiB)",
                "layer aaaa11112222: pushed (3 MiB)",
                "manifest dddd11112222: pushed (420 B)",
                $"127.0.0.1:5000/team/app:v1: pushed 2 blob(s), {summary.Bytes} bytes, 1 already there; digest {Manifest}",
            ],
            Lines(output));
        Assert.DoesNotContain('\u001b', output.ToString());
        Assert.DoesNotContain('\r', output.ToString());
    }

    [Fact]
    public async Task A_pull_prints_pulled_and_present_blobs_once_each_and_a_failed_blob_once()
    {
        using var output = new StringWriter();
        var summary = new ImageTransferSummary { Reference = "team/app:v1", Digest = Manifest, ImageId = Config, Transferred = 1, Skipped = 1, Bytes = 2048 };

        await TransferProgress.PrintAsync(new Events(
            Blob(Config, "config", 1500, 1500, "exists"),
            Blob(LayerA, "layer", 0, 2048, "downloading"),
            Blob(LayerA, "layer", 2048, 2048, "downloading"),
            Blob(LayerA, "layer", 2048, 2048, "downloaded"),
            Blob(LayerB, "layer", 0, 10, "failed"),
            Blob(LayerB, "layer", 0, 10, "failed"),
            new ImageTransferEvent { Summary = summary }), "pulled", output, CancellationToken.None);

        Assert.Equal(
            [
                "config c0ffee000000: skipped, already present (1.5 KiB)",
                "layer aaaa11112222: pulled (2 KiB)",
                "layer bbbb11112222: failed (10 B)",
                $"team/app:v1: pulled 1 blob(s), 2048 bytes, 1 already there; digest {Manifest}",
            ],
            Lines(output));
    }

    [Fact]
    public async Task A_transfer_that_ends_without_a_summary_is_an_error_after_the_lines_already_printed()
    {
        using var output = new StringWriter();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TransferProgress.PrintAsync(
            new Events(Blob(LayerA, "layer", 5, 5, "downloaded")), "pulled", output, CancellationToken.None));

        Assert.Contains("without a summary", error.Message, StringComparison.Ordinal);
        Assert.Equal(["layer aaaa11112222: pulled (5 B)"], Lines(output));
    }

    private static string[] Lines(StringWriter output) => output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private static ImageTransferEvent Blob(string digest, string role, long done, long total, string state) =>
        new() { Blob = new BlobTransfer { Digest = digest, Role = role, BytesDone = done, BytesTotal = total, State = state } };

    /// <summary>A worker's transfer stream, replayed from a list.</summary>
    private sealed class Events(params ImageTransferEvent[] events) : IAsyncStreamReader<ImageTransferEvent>
    {
        private int _next = -1;

        public ImageTransferEvent Current => events[_next];

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(++_next < events.Length);
    }
}
