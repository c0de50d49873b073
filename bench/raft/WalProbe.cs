using System.Diagnostics;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace ClusterKit.Bench.Raft;

/// <summary>
/// The write-ahead log alone (--wal-probe): three logs in one directory tree (as three managers on
/// one machine) each append an entry, commit it and wait for its apply, in lockstep rounds, for
/// each WAL setting in turn and again in reverse order, so that the disk's own drift on a shared
/// machine shows up as a difference between the two passes rather than between settings. The
/// three logs share the file system's journal, as the managers do.
/// </summary>
internal static class WalProbe
{
    private static readonly (string Name, WriteAheadLog.MemoryManagementStrategy Memory, int ChunkSize)[] Settings =
    [
        ("shared-memory 4 KiB chunks (DotNext default)", WriteAheadLog.MemoryManagementStrategy.SharedMemory, 4096),
        ("shared-memory 1 MiB chunks", WriteAheadLog.MemoryManagementStrategy.SharedMemory, 1 << 20),
        ("private-memory 4 KiB chunks", WriteAheadLog.MemoryManagementStrategy.PrivateMemory, 4096),
        ("private-memory 1 MiB chunks", WriteAheadLog.MemoryManagementStrategy.PrivateMemory, 1 << 20),
    ];

    public static async Task<Dictionary<string, object>> RunAsync(BenchOptions options, string root)
    {
        var count = (int)Math.Max(100, options.Duration.TotalSeconds * 25);
        var result = new Dictionary<string, object>();
        foreach (var entryBytes in (int[])[256, 4096])
        {
            foreach (var pass in (int[])[0, 1])
            {
                foreach (var setting in pass == 0 ? Settings : Settings.Reverse())
                {
                    var times = await TimeAsync(Path.Combine(root, $"wal-{pass}-{entryBytes}-{setting.Memory}-{setting.ChunkSize}"), setting.Memory, setting.ChunkSize, entryBytes, count);
                    var key = $"{setting.Name}, {entryBytes} B entries, pass {pass + 1}";
                    var summary = new { p50 = Load.Percentile(times, 0.50), p90 = Load.Percentile(times, 0.90), p99 = Load.Percentile(times, 0.99) };
                    result[key] = summary;
                    await Console.Error.WriteLineAsync($"wal-probe {key}: round (3 logs: append+commit+apply) p50 {summary.p50} p90 {summary.p90} p99 {summary.p99} ms ({count} entries)");
                }
            }
        }

        return result;
    }

    private static async Task<double[]> TimeAsync(string location, WriteAheadLog.MemoryManagementStrategy memory, int chunkSize, int entryBytes, int count)
    {
        var payload = new byte[entryBytes];
        var times = new double[count];
        var machines = Enumerable.Range(0, 3).Select(n => new DiscardingStateMachine(new DirectoryInfo($"{location}-{n}-snapshots"))).ToArray();
        var logs = Enumerable.Range(0, 3).Select(n => new WriteAheadLog(new WriteAheadLog.Options { Location = $"{location}-{n}", MemoryManagement = memory, ChunkSize = chunkSize }, machines[n])).ToArray();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await Task.WhenAll(logs.Select(async wal =>
                {
                    var index = await wal.AppendAsync(new BinaryLogEntry { Term = 1, Content = payload });
                    await wal.CommitAsync(index);
                    await wal.WaitForApplyAsync(index);
                }));
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }
        finally
        {
            foreach (var wal in logs)
            {
                await wal.DisposeAsync();
            }

            foreach (var machine in machines)
            {
                await machine.DisposeAsync();
            }
        }

        Array.Sort(times);
        return times;
    }

    /// <summary>Applies nothing: only the log's own cost is timed.</summary>
    private sealed class DiscardingStateMachine(DirectoryInfo location) : SimpleStateMachine(location)
    {
        protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token) => ValueTask.FromResult(false);

        protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token) => ValueTask.CompletedTask;

        protected override ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token) => ValueTask.CompletedTask;
    }
}
