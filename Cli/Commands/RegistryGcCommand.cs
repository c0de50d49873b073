using System.CommandLine;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck registry gc`: collect the cluster registry's unreferenced blobs now, instead of at the next scheduled pass (ADR 0016).</summary>
internal static class RegistryGcCommand
{
    /// <summary>A collection visits every manifest and every blob record; give it far longer than an ordinary call.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static Command Build()
    {
        var command = new Command(
            "gc",
            "Remove blobs that no manifest references and that were not pushed within the grace period (default 1 hour); every manager deletes its copies");
        command.SetAction(async (result, ct) =>
        {
            using var manager = ManagerContext.Connect(result);
            var response = await manager.CallAsync(c => manager.RegistryMaintenance.CollectGarbageAsync(new CollectGarbageRequest(), c), ct, Timeout);
            Console.Write(Describe(response));
            return 0;
        });
        return command;
    }

    public static string Describe(CollectGarbageResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = $"Removed {response.BlobsRemoved} blob(s), {ByteSizes.Format(response.BytesRemoved)}, from the registry.\n";
        if (response.BlobsKeptChanged > 0)
        {
            text += $"Kept {response.BlobsKeptChanged} blob(s) that were pushed or referenced again during the collection.\n";
        }

        return text + $"This manager deleted {response.LocalFilesDeleted} blob file(s) ({ByteSizes.Format(response.LocalBytesDeleted)}) and {response.UploadsPurged} idle upload(s); "
            + "the other managers delete their copies at their next sweep.\n";
    }
}
