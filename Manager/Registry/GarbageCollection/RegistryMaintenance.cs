namespace ClusterKit.Manager.Registry.GarbageCollection;

/// <summary>What a garbage collection removed: blobs and bytes from the store, files and uploads from this manager's disk.</summary>
public sealed record GarbageReport(StoreCollection Store, LocalSweep Local);

/// <summary>One garbage collection: the store's records (any manager may run it; its writes go to the leader), then this manager's disk.</summary>
public sealed class RegistryMaintenance(RegistryGarbageCollector collector, LocalBlobSweeper sweeper)
{
    public async Task<GarbageReport> CollectGarbageAsync(CancellationToken cancellationToken)
    {
        var collected = await collector.CollectAsync(cancellationToken).ConfigureAwait(false);
        var swept = await sweeper.SweepAsync(cancellationToken).ConfigureAwait(false);
        return new GarbageReport(collected, swept);
    }

    /// <summary>This manager's disk only (a follower's part of the schedule).</summary>
    public Task<LocalSweep> SweepAsync(CancellationToken cancellationToken) => sweeper.SweepAsync(cancellationToken);
}
