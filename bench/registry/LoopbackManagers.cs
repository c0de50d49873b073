using System.Diagnostics;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// A cluster of several ck-managers on one network namespace's loopback: the first runs `ck cluster init` (trust and
/// a push credential for skopeo), the others `ck cluster join` with its manager token, as README's cluster commands do.
/// Every manager is ended by its recorded PID and its directory removed on dispose.
/// </summary>
internal sealed class LoopbackManagers : IAsyncDisposable
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);
    private readonly List<ManagerProcess> _managers = [];

    private LoopbackManagers(Ck ck) => Ck = ck;

    public Ck Ck { get; }

    public IReadOnlyList<ManagerProcess> Managers => _managers;

    public ManagerProcess First => _managers[0];

    public ClusterAccess Access { get; private set; } = new(string.Empty, string.Empty);

    public static async Task<LoopbackManagers> FormAsync(string binaries, string directory, string networkNamespace, int count, CancellationToken ct)
    {
        var cluster = new LoopbackManagers(new Ck(binaries, networkNamespace));
        try
        {
            for (var i = 1; i <= count; i++)
            {
                cluster._managers.Add(await ManagerProcess.StartAsync(binaries, Path.Combine(directory, $"m{i}"), networkNamespace, ct));
            }

            cluster.Access = await ClusterAccess.InitAsync(cluster.Ck, cluster.First.Socket, directory, ct);
            var token = await cluster.JoinTokenAsync("manager", ct);
            foreach (var manager in cluster._managers.Skip(1))
            {
                await cluster.Ck.RunAsync(ct, "cluster", "join", "--token", token, cluster.First.Api, "--manager-socket", manager.Socket, "--config-dir", Path.Combine(manager.Directory, "ck-config"));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>`ck cluster join-token -q ROLE` on the first manager.</summary>
    public async Task<string> JoinTokenAsync(string role, CancellationToken ct) =>
        (await Ck.RunAsync(ct, "cluster", "join-token", "-q", role, "--manager-socket", First.Socket)).Trim();

    /// <summary>
    /// Waits until every manager holds every one of <paramref name="digests"/> as a committed (verified) blob on its
    /// disk; after <paramref name="limit"/> fails naming what each manager still lacks. Returns the time waited.
    /// </summary>
    public async Task<TimeSpan> WaitForReplicasAsync(IReadOnlyCollection<string> digests, TimeSpan limit, CancellationToken ct)
    {
        var began = Stopwatch.GetTimestamp();
        while (true)
        {
            var lacking = _managers.Select((m, i) => (Name: $"m{i + 1}", Missing: digests.Count(d => !File.Exists(m.BlobPath(d))))).Where(m => m.Missing > 0).ToList();
            if (lacking.Count == 0)
            {
                return Stopwatch.GetElapsedTime(began);
            }

            if (Stopwatch.GetElapsedTime(began) > limit)
            {
                throw new TimeoutException($"the image's {digests.Count} blobs were not on every manager within {limit.TotalSeconds} s: " +
                    string.Join(", ", lacking.Select(m => $"{m.Name} lacks {m.Missing}")));
            }

            await Task.Delay(PollEvery, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var manager in _managers)
        {
            await manager.DisposeAsync();
        }

        _managers.Clear();
    }
}
