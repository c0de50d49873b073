using System.Collections.Concurrent;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>
/// Copies one blob from the first peer that delivers its exact bytes: each copy goes through the store's verified
/// upload path (<see cref="BlobImport"/>), so corrupt or short bytes are refused and never committed nor served; the
/// next peer is asked instead. A commit is recorded as this manager's location. Concurrent copies of one blob (the
/// replicator and a client's read at once) share one fetch.
/// </summary>
public sealed partial class PeerBlobCopier(IBlobStore blobs, IBlobLocations locations, IBlobPeerFetcher fetcher, ILogger<PeerBlobCopier> logger)
{
    private readonly ConcurrentDictionary<Digest, Lazy<Task<bool>>> _inFlight = new();

    /// <summary>True once this manager holds the blob (fetched now, or already there).</summary>
    public async Task<bool> CopyAsync(BlobCopy copy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        var fetch = _inFlight.GetOrAdd(copy.Digest, _ => new Lazy<Task<bool>>(() => FetchOnceAsync(copy, cancellationToken)));
        return await fetch.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> FetchOnceAsync(BlobCopy copy, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            return await FetchAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(copy.Digest, out _);
        }
    }

    private async Task<bool> FetchAsync(BlobCopy copy, CancellationToken cancellationToken)
    {
        if (await blobs.GetSizeAsync(copy.Digest, cancellationToken).ConfigureAwait(false) is { } held)
        {
            await locations.RecordLocalAsync(copy.Digest, held, cancellationToken).ConfigureAwait(false);
            return true;
        }

        foreach (var source in copy.Sources)
        {
            try
            {
                await using var content = await fetcher.OpenAsync(source, copy.Digest, cancellationToken).ConfigureAwait(false);
                var size = await blobs.ImportAsync(copy.Digest, content, copy.Size, cancellationToken).ConfigureAwait(false);
                await locations.RecordLocalAsync(copy.Digest, size, cancellationToken).ConfigureAwait(false);
                Copied(logger, copy.Digest, size, source);
                return true;
            }
            catch (RegistryException refused) when (refused.Code is RegistryErrorCode.DigestInvalid or RegistryErrorCode.SizeInvalid)
            {
                CorruptCopy(logger, copy.Digest, source, refused.Message);
            }
            catch (Exception failed) when (failed is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                FetchFailed(logger, copy.Digest, source, failed.Message);
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied blob {Digest} ({Size} bytes) from manager {Source}")]
    private static partial void Copied(ILogger logger, Digest digest, long size, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manager {Source} sent bytes that are not blob {Digest}; refused, nothing committed: {Reason}")]
    private static partial void CorruptCopy(ILogger logger, Digest digest, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch blob {Digest} from manager {Source}: {Reason}")]
    private static partial void FetchFailed(ILogger logger, Digest digest, string source, string reason);
}
