using ClusterKit.Manager.Host;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterKit.Manager.Tests.Host;

public sealed class RegistryTransferLimitsTests
{
    [Fact]
    public void Raises_the_http2_windows_and_the_buffers_to_values_kestrel_accepts()
    {
        var limits = new KestrelServerLimits();

        RegistryTransferLimits.Apply(limits);

        Assert.Equal(16 << 20, limits.Http2.InitialConnectionWindowSize);
        Assert.Equal(4 << 20, limits.Http2.InitialStreamWindowSize);
        Assert.True(limits.MaxRequestBufferSize >= limits.Http2.InitialConnectionWindowSize, "a full connection window must fit the request buffer");
        Assert.Equal(1 << 20, limits.MaxResponseBufferSize);
    }
}
