using ClusterKit.Manager.Host;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterKit.Manager.Tests.Host;

public sealed class RegistryTransferLimitsTests
{
    [Fact]
    public void A_blob_downloads_chunk_fits_the_response_buffer_several_times()
    {
        var limits = new KestrelServerLimits();

        RegistryTransferLimits.Apply(limits);

        Assert.Equal(1 << 20, limits.MaxResponseBufferSize);
        Assert.True(limits.MaxResponseBufferSize >= 4 * 256 * 1024, "four of BlobEndpoints' 256 KiB pieces fit before a write waits");
    }
}
