using ClusterKit.Manager.Registry.Catalog;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Remote;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Control;

/// <summary>
/// `ck registry ls|inspect|rm`: what the cluster registry holds, read from the store (linearizable reads) and
/// changed through it (a follower's write goes to the leader as every store write does).
/// </summary>
internal sealed partial class RegistryControlService(RegistryInventory inventory, ILogger<RegistryControlService> logger) : RegistryService.RegistryServiceBase
{
    public override Task<ListRegistryResponse> List(ListRegistryRequest request, ServerCallContext context) =>
        Answer(() => inventory.ListAsync(request, context.CancellationToken));

    public override Task<RegistryImageDetails> Inspect(InspectRegistryImageRequest request, ServerCallContext context) =>
        Answer(() => inventory.InspectAsync(request.Reference, context.CancellationToken));

    public override async Task<RemoveRegistryImageResponse> Remove(RemoveRegistryImageRequest request, ServerCallContext context)
    {
        var removed = await Answer(() => inventory.RemoveAsync(request.Reference, context.CancellationToken));
        LogRemoved(logger, removed.Repository, removed.Digest, string.Join(',', removed.RemovedTags), removed.ManifestRemoved);
        return removed;
    }

    /// <summary>The status of a registry refusal: a bad reference is the caller's, a missing one not found (pure).</summary>
    internal static Status StatusFor(RegistryException error) => new(
        error.Code switch
        {
            RegistryErrorCode.NameUnknown or RegistryErrorCode.ManifestUnknown or RegistryErrorCode.BlobUnknown => StatusCode.NotFound,
            RegistryErrorCode.NameInvalid or RegistryErrorCode.DigestInvalid or RegistryErrorCode.ManifestInvalid or RegistryErrorCode.PaginationNumberInvalid => StatusCode.InvalidArgument,
            _ => StatusCode.FailedPrecondition,
        },
        RemoteText.StatusDetail(error.Message));

    private static async Task<T> Answer<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RegistryException e)
        {
            throw new RpcException(StatusFor(e));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry: removed from {Repository} manifest {Digest}: tags [{Tags}], manifest removed: {ManifestRemoved}")]
    private static partial void LogRemoved(ILogger logger, string repository, string digest, string tags, bool manifestRemoved);
}
