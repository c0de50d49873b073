using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>
/// On every manager: copies the blobs this manager should hold but lacks from peers that hold them (the plan is
/// <see cref="ReplicationPlanner"/>'s), at once when a new location is recorded and otherwise every interval; a blob
/// whose copy fails waits its back-off. Also forgets this manager's records of blobs missing from its disk.
/// </summary>
public sealed partial class BlobReplicator(
    IStore store,
    StoreBlobLocations locations,
    IBlobStore blobs,
    IManagerMembership membership,
    PeerBlobCopier copier,
    IOptions<BlobReplicationOptions> options,
    TimeProvider time,
    ILogger<BlobReplicator> logger) : BackgroundService
{
    private readonly BlobReplicationOptions _options = options.Value;
    private readonly RetryBackoff _backoff = new(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);

    /// <summary>One pass: returns how many blobs were copied.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (membership.Members.Count == 0)
        {
            // Not a member of a cluster yet: no peers, no store to read.
            return 0;
        }

        var forgotten = await locations.ForgetMissingAsync(async (d, t) => await blobs.GetSizeAsync(d, t).ConfigureAwait(false) is not null, cancellationToken).ConfigureAwait(false);
        if (forgotten > 0)
        {
            Forgot(logger, forgotten);
        }

        var plan = ReplicationPlanner.Plan(locations.All(), membership.Members, membership.LocalMember, _options.Copies);
        _backoff.Keep(plan.Select(c => c.Digest));
        var copied = 0;
        foreach (var copy in plan)
        {
            var now = time.GetUtcNow();
            if (!_backoff.IsDue(copy.Digest, now))
            {
                continue;
            }

            bool done;
            try
            {
                done = await copier.CopyAsync(copy, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failed) when (!cancellationToken.IsCancellationRequested)
            {
                PassFailed(logger, failed.Message);
                done = false;
            }

            if (done)
            {
                _backoff.Succeeded(copy.Digest);
                copied++;
            }
            else
            {
                RetryLater(logger, copy.Digest.ToString(), _backoff.Failed(copy.Digest, now));
            }
        }

        return copied;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var wake = new SemaphoreSlim(0);
        var watch = WakeOnNewLocationsAsync(wake, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception failed) when (!stoppingToken.IsCancellationRequested)
                {
                    PassFailed(logger, failed.Message);
                }

                using var timeout = new CancellationTokenSource(NextWait(), time);
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
                try
                {
                    await wake.WaitAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The interval or a back-off ran out.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The interval, or less when a failed blob's retry falls due before it.</summary>
    private TimeSpan NextWait()
    {
        var untilRetry = _backoff.NextRetry is { } next ? next - time.GetUtcNow() : _options.Interval;
        return untilRetry < TimeSpan.Zero ? TimeSpan.Zero : untilRetry < _options.Interval ? untilRetry : _options.Interval;
    }

    /// <summary>Wakes the loop on each new location; a watch that ends (overflow, no cluster yet) is opened again after an interval.</summary>
    private async Task WakeOnNewLocationsAsync(SemaphoreSlim wake, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in store.WatchAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (change is ObjectChange<RegistryBlobLocation> { Kind: ChangeKind.Created } or StoreRestored && wake.CurrentCount == 0)
                    {
                        wake.Release();
                    }
                }
            }
            catch (Exception ended) when (!stoppingToken.IsCancellationRequested)
            {
                WatchEnded(logger, ended.Message);
            }

            await Task.Delay(_options.Interval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {Digest} could not be copied from any peer; next try in {Delay}")]
    private static partial void RetryLater(ILogger logger, string digest, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The replicator's watch of new blob locations ended; it is opened again after an interval: {Reason}")]
    private static partial void WatchEnded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A replication pass failed: {Reason}")]
    private static partial void PassFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forgot {Count} location records of blobs missing from this manager's disk; they will be copied again")]
    private static partial void Forgot(ILogger logger, int count);
}
