using ClusterKit.Proto.Worker.V1;
using Grpc.Core;
using Spectre.Console;

namespace ClusterKit.Cli.Commands;

/// <summary>Draws a push's or pull's blob events as one progress bar per blob, then prints the summary line.</summary>
internal static class TransferProgress
{
    public static async Task<ImageTransferSummary> ShowAsync(IAsyncStreamReader<ImageTransferEvent> events, string verb, CancellationToken cancellationToken)
    {
        ImageTransferSummary? summary = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                await foreach (var e in events.ReadAllAsync(cancellationToken))
                {
                    if (e.EventCase == ImageTransferEvent.EventOneofCase.Summary)
                    {
                        summary = e.Summary;
                        continue;
                    }

                    var blob = e.Blob;
                    if (!bars.TryGetValue(blob.Digest, out var bar))
                    {
                        bars[blob.Digest] = bar = context.AddTask(Label(blob), maxValue: Math.Max(1, blob.BytesTotal));
                    }

                    bar.Description = Label(blob);
                    bar.Value = Math.Min(bar.MaxValue, blob.BytesDone);
                    if (blob.State is "exists" or "mounted" or "uploaded" or "downloaded")
                    {
                        bar.Value = bar.MaxValue;
                        bar.StopTask();
                    }
                    else if (blob.State == "failed")
                    {
                        bar.StopTask();
                    }
                }
            });

        var done = summary ?? throw new InvalidOperationException($"the worker ended the {verb} without a summary");
        Console.WriteLine(SummaryLine(done, verb));
        return done;
    }

    public static string SummaryLine(ImageTransferSummary summary, string verb) =>
        $"{summary.Reference}: {verb} {summary.Transferred} blob(s), {summary.Bytes} bytes, {summary.Skipped} already there; digest {summary.Digest}";

    private static string Label(BlobTransfer blob) =>
        Markup.Escape($"{blob.Role} {(blob.Digest.Length > 19 ? blob.Digest[7..19] : blob.Digest)} {blob.State}");
}
