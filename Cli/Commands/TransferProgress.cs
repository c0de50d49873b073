using ClusterKit.Proto.Worker.V1;
using Grpc.Core;
using Spectre.Console;

namespace ClusterKit.Cli.Commands;

/// <summary>
/// Shows a push's or pull's blob events, then prints the summary line: on a terminal one progress bar per blob; when
/// stdout is a file or a pipe (CI logs) plain lines, one per blob as it finishes, with no escape codes and nothing redrawn.
/// </summary>
internal static class TransferProgress
{
    public static Task<ImageTransferSummary> ShowAsync(IAsyncStreamReader<ImageTransferEvent> events, string verb, CancellationToken cancellationToken) =>
        Console.IsOutputRedirected
            ? PrintAsync(events, verb, Console.Out, cancellationToken)
            : DrawAsync(events, verb, AnsiConsole.Console, cancellationToken);

    /// <summary>One progress bar per blob, redrawn as events come.</summary>
    internal static async Task<ImageTransferSummary> DrawAsync(IAsyncStreamReader<ImageTransferEvent> events, string verb, IAnsiConsole console, CancellationToken cancellationToken)
    {
        ImageTransferSummary? summary = null;
        await console.Progress()
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
                    if (IsDone(blob.State))
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

        var done = summary ?? throw NoSummary(verb);
        console.WriteLine(SummaryLine(done, verb));
        return done;
    }

    /// <summary>One plain line per blob when it finishes (or fails), then the summary line.</summary>
    internal static async Task<ImageTransferSummary> PrintAsync(IAsyncStreamReader<ImageTransferEvent> events, string verb, TextWriter output, CancellationToken cancellationToken)
    {
        ImageTransferSummary? summary = null;
        var finished = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in events.ReadAllAsync(cancellationToken))
        {
            if (e.EventCase == ImageTransferEvent.EventOneofCase.Summary)
            {
                summary = e.Summary;
            }
            else if (FinishedLine(e.Blob) is { } line && finished.Add(e.Blob.Digest))
            {
                await output.WriteLineAsync(line);
            }
        }

        var done = summary ?? throw NoSummary(verb);
        await output.WriteLineAsync(SummaryLine(done, verb));
        await output.FlushAsync(cancellationToken);
        return done;
    }

    public static string SummaryLine(ImageTransferSummary summary, string verb) =>
        $"{summary.Reference}: {verb} {summary.Transferred} blob(s), {summary.Bytes} bytes, {summary.Skipped} already there; digest {summary.Digest}";

    /// <summary>The line for a blob's last event (its role, short digest, what happened and its size), or null while it moves.</summary>
    internal static string? FinishedLine(BlobTransfer blob)
    {
        var outcome = blob.State switch
        {
            "uploaded" => "pushed",
            "downloaded" => "pulled",
            "exists" => "skipped, already present",
            "mounted" => "skipped, mounted from another repository",
            "failed" => "failed",
            _ => null,
        };
        return outcome is null ? null : $"{blob.Role} {ShortDigest(blob.Digest)}: {outcome} ({ByteSizes.Format(blob.BytesTotal)})";
    }

    private static bool IsDone(string state) => state is "exists" or "mounted" or "uploaded" or "downloaded";

    private static InvalidOperationException NoSummary(string verb) => new($"the worker ended the {verb} without a summary");

    private static string ShortDigest(string digest) => digest.Length > 19 ? digest[7..19] : digest;

    private static string Label(BlobTransfer blob) => Markup.Escape($"{blob.Role} {ShortDigest(blob.Digest)} {blob.State}");
}
