using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>
/// Waits for blob copies by watching the store's <see cref="RegistryBlobLocation"/> rows (the replicators of the other
/// managers record each copy they commit): a consistent view and the changes after it, re-read after each commit
/// that touched one of the blobs or the managers, until <see cref="DurableCopies"/> is satisfied or
/// <see cref="RegistryDurabilityOptions.AcknowledgeTimeout"/> runs out (on <see cref="TimeProvider"/>).
/// </summary>
public sealed partial class StoreBlobDurability(
    IStore store,
    IManagerMembership membership,
    IOptions<BlobReplicationOptions> replication,
    IOptions<RegistryDurabilityOptions> durability,
    TimeProvider time,
    ILogger<StoreBlobDurability> logger) : IBlobDurability
{
    private static readonly TimeSpan ReopenDelay = TimeSpan.FromMilliseconds(100);

    public async Task<IReadOnlyList<BlobShortfall>> WaitAsync(IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var wanted = digests.Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(durability.Value.AcknowledgeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Durable already (one manager, one copy wanted, or peers that were quick): no watch at all.
            if (Shortfalls(store.View(tx => Read(tx, wanted)), membership.Members, digests).Count == 0)
            {
                return [];
            }

            while (true)
            {
                // The managers first (the host reads them from the store too), then the copies with the watch after them.
                var members = membership.Members;
                var (locations, events) = store.ViewAndWatch(tx => Read(tx, wanted), linked.Token);
                if (Shortfalls(locations, members, digests).Count == 0)
                {
                    await CloseAsync(events).ConfigureAwait(false);
                    return [];
                }

                if (await FollowAsync(events, wanted, digests, linked.Token).ConfigureAwait(false))
                {
                    return [];
                }

                // The watch fell behind, or ended, which the store does not do today: read again, after a pause so that
                // a store that keeps ending its watches cannot make this spin.
                await Task.Delay(ReopenDelay, time, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var shortfalls = Shortfalls(store.View(tx => Read(tx, wanted)), membership.Members, digests);
            if (shortfalls.Count > 0)
            {
                NotDurable(logger, DurableCopies.Describe(shortfalls), durability.Value.AcknowledgeTimeout);
            }

            return shortfalls;
        }
    }

    /// <summary>
    /// Follows the watch: true once the blobs are durable, false when the watch ended; a watch that fell behind is
    /// read again (its exception ends this call and the caller's loop opens a new view and watch).
    /// </summary>
    private async Task<bool> FollowAsync(IAsyncEnumerable<StoreEvent> events, HashSet<string> wanted, IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken)
    {
        var changed = false;
        try
        {
            await foreach (var change in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                // Read again once per commit that touched these blobs or the managers, and after a snapshot replaced the store.
                changed |= change is ObjectChange<RegistryBlobLocation> location && wanted.Contains(location.Current.Digest) || change is ObjectChange<Node>;
                if (change is StoreRestored || change is TransactionCommitted && changed)
                {
                    changed = false;
                    var members = membership.Members;
                    if (Shortfalls(store.View(tx => Read(tx, wanted)), members, digests).Count == 0)
                    {
                        return true;
                    }
                }
            }
        }
        catch (WatchOverflowException overflow)
        {
            WatchReopened(logger, overflow.Message);
        }

        return false;
    }

    /// <summary>
    /// Ends a watch that was never read: the store lets go of a watcher only once its enumeration has run (and a
    /// watcher left behind would buffer every change until it overflowed).
    /// </summary>
    private static async Task CloseAsync(IAsyncEnumerable<StoreEvent> events)
    {
        using var closed = new CancellationTokenSource();
        await closed.CancelAsync().ConfigureAwait(false);
        var enumerator = events.GetAsyncEnumerator(closed.Token);
        await using (enumerator.ConfigureAwait(false))
        {
            try
            {
                await enumerator.MoveNextAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // What a cancelled watch does: it has let go of its watcher.
            }
        }
    }

    private IReadOnlyList<BlobShortfall> Shortfalls(IEnumerable<BlobLocation> locations, IReadOnlyCollection<string> members, IReadOnlyCollection<Digest> digests) =>
        DurableCopies.Shortfalls(locations, members, digests, replication.Value.Copies);

    private static List<BlobLocation> Read(IReadTransaction tx, HashSet<string> wanted) =>
        [.. wanted.SelectMany(d => tx.Find(RegistryBlobLocationTable.ByDigest(d))).Select(l => new BlobLocation(Digest.Parse(l.Digest), l.Member, l.Size))];

    [LoggerMessage(Level = LogLevel.Debug, Message = "The durability wait's store watch fell behind; read again: {Reason}")]
    private static partial void WatchReopened(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A manifest put was not durable within {Timeout}: {Shortfalls}; answered 503, the replicators keep copying")]
    private static partial void NotDurable(ILogger logger, string shortfalls, TimeSpan timeout);
}
