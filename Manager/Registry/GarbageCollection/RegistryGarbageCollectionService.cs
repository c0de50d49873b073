using ClusterKit.Manager.Store.Leadership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.GarbageCollection;

/// <summary>
/// The schedule, on every manager: each interval the leader collects the store's garbage records, and every manager
/// sweeps its own disk (files no record claims, idle uploads), since a follower's files are its own to delete.
/// </summary>
public sealed partial class RegistryGarbageCollectionService(
    RegistryMaintenance maintenance,
    ILeadership leadership,
    IOptions<RegistryGarbageCollectionOptions> options,
    TimeProvider time,
    ILogger<RegistryGarbageCollectionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.Interval, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    if (leadership.Current is { IsOver: false })
                    {
                        var report = await maintenance.CollectGarbageAsync(stoppingToken).ConfigureAwait(false);
                        Collected(logger, report.Store.BlobsRemoved, report.Store.BytesRemoved, report.Local.FilesDeleted, report.Local.UploadsPurged);
                    }
                    else
                    {
                        var swept = await maintenance.SweepAsync(stoppingToken).ConfigureAwait(false);
                        Collected(logger, 0, 0, swept.FilesDeleted, swept.UploadsPurged);
                    }
                }
                catch (Exception failed) when (!stoppingToken.IsCancellationRequested)
                {
                    Failed(logger, failed.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry garbage collection: {Blobs} blobs ({Bytes} bytes) removed from the store, {Files} files and {Uploads} idle uploads deleted here")]
    private static partial void Collected(ILogger logger, int blobs, long bytes, int files, int uploads);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry garbage collection failed; next try at the next interval: {Reason}")]
    private static partial void Failed(ILogger logger, string reason);
}
