using ClusterKit.TestKit;
using ClusterKit.Worker.Runtime.Logs;

namespace ClusterKit.Worker.Runtime.Tests.Logs;

public sealed class ContainerLogsTests : IDisposable
{
    private readonly TempDirectory _dir = new("ckt-logs");

    private string Log => _dir.Combine("container-json.log");

    private static string Line(string text, string stream = "stdout", int second = 0) =>
        $"{{\"log\":\"{text}\\n\",\"stream\":\"{stream}\",\"time\":\"2026-11-28T13:00:{second:00}.123456789Z\"}}\n";

    [Fact]
    public void A_line_parses_with_nanosecond_time()
    {
        var entry = ContainerLogs.Parse(Line("hi", "stderr", 5).TrimEnd());

        Assert.NotNull(entry);
        Assert.Equal(("stderr", "hi\n"), (entry.Stream, entry.Text));
        // .NET keeps 100 ns ticks: .123456789 s is 1234567 or 1234568 ticks after the second.
        var expected = new DateTimeOffset(2026, 11, 28, 13, 0, 5, TimeSpan.Zero).AddTicks(1234567);
        Assert.InRange((entry.Time - expected).Ticks, 0, 1);
    }

    [Fact]
    public void A_torn_line_is_skipped() => Assert.Null(ContainerLogs.Parse("{\"log\":\"half"));

    [Fact]
    public void Rotated_files_are_read_oldest_first_and_tail_keeps_the_last()
    {
        File.WriteAllText(Log + ".2", Line("a") + Line("b"));
        File.WriteAllText(Log + ".1", Line("c"));
        File.WriteAllText(Log, Line("d") + Line("e"));

        Assert.Equal(["a\n", "b\n", "c\n", "d\n", "e\n"], ContainerLogs.Read(Log).Select(e => e.Text));
        Assert.Equal(["d\n", "e\n"], ContainerLogs.Read(Log, tail: 2).Select(e => e.Text));
    }

    [Fact]
    public async Task Follow_yields_the_tail_then_appended_lines_then_stops_after_exit()
    {
        File.WriteAllText(Log, Line("old1") + Line("old2"));
        var exited = false;
        var seen = new List<string>();

        var follow = Task.Run(async () =>
        {
            await foreach (var entry in ContainerLogs.FollowAsync(Log, 1, () => Volatile.Read(ref exited), TimeProvider.System, new CancellationTokenSource(10_000).Token))
            {
                lock (seen)
                {
                    seen.Add(entry.Text);
                }
            }
        });
        // Each step waits for the last to be seen, however slow the machine (at most 10 s each).
        await SeenAsync("old2\n");
        File.AppendAllText(Log, Line("new1"));
        await SeenAsync("new1\n");

        // A rotation: the live file moves to .1 and a new one starts.
        File.Move(Log, Log + ".1");
        File.WriteAllText(Log, Line("new2"));
        await SeenAsync("new2\n");
        Volatile.Write(ref exited, true);
        await follow;

        Assert.Equal(["old2\n", "new1\n", "new2\n"], seen);

        async Task SeenAsync(string text)
        {
            for (var waited = 0; waited < 10_000; waited += 10)
            {
                lock (seen)
                {
                    if (seen.Contains(text))
                    {
                        return;
                    }
                }

                await Task.Delay(10);
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}
