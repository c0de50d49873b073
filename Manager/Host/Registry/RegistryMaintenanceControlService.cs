using ClusterKit.Manager.Registry.GarbageCollection;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Registry;

/// <summary><c>ck registry gc</c>: a garbage collection now (CallPolicy: the local socket or an admin certificate).</summary>
internal sealed class RegistryMaintenanceControlService(RegistryMaintenance maintenance) : RegistryMaintenanceService.RegistryMaintenanceServiceBase
{
    public override async Task<CollectGarbageResponse> CollectGarbage(CollectGarbageRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await maintenance.CollectGarbageAsync(context.CancellationToken);
        return new CollectGarbageResponse
        {
            BlobsRemoved = report.Store.BlobsRemoved,
            BytesRemoved = report.Store.BytesRemoved,
            BlobsKeptChanged = report.Store.KeptChanged,
            LocalFilesDeleted = report.Local.FilesDeleted,
            LocalBytesDeleted = report.Local.BytesDeleted,
            UploadsPurged = report.Local.UploadsPurged,
        };
    }
}
