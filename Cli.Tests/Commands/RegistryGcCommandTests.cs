using ClusterKit.Cli.Commands;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Tests.Commands;

public sealed class RegistryGcCommandTests
{
    [Fact]
    public void The_report_says_what_left_the_registry_and_this_managers_disk()
    {
        var text = RegistryGcCommand.Describe(new CollectGarbageResponse
        {
            BlobsRemoved = 3,
            BytesRemoved = 5 * 1024 * 1024,
            BlobsKeptChanged = 1,
            LocalFilesDeleted = 2,
            LocalBytesDeleted = 1536,
            UploadsPurged = 4,
        });

        Assert.Equal(
            "Removed 3 blob(s), 5 MiB, from the registry.\n"
            + "Kept 1 blob(s) that were pushed or referenced again during the collection.\n"
            + "This manager deleted 2 blob file(s) (1.5 KiB) and 4 idle upload(s); the other managers delete their copies at their next sweep.\n",
            text);
        Assert.Equal("gc", RegistryGcCommand.Build().Name);
    }
}
