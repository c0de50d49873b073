using System.Net.Sockets;
using System.Runtime.Versioning;
using ClusterKit.Shared.Net;
using ClusterKit.TestKit;

namespace ClusterKit.Shared.Tests.Net;

[SupportedOSPlatform("linux")]
public sealed class UnixSocketTests
{
    [Fact]
    public void A_stale_socket_file_is_removed_and_a_live_one_is_never_taken_over()
    {
        using var dir = new TempDirectory("ckt-socket");
        var path = dir.Combine("run", "daemon.sock");

        // Nothing there yet: the directory is made.
        UnixSocket.PrepareToListen(path, () => new IOException("in use"));
        Assert.True(Directory.Exists(dir.Combine("run")));
        Assert.False(UnixSocket.Answers(path));

        using (var live = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            live.Bind(new UnixDomainSocketEndPoint(path));
            live.Listen();
            Assert.True(UnixSocket.Answers(path));
            var refused = Assert.Throws<IOException>(() => UnixSocket.PrepareToListen(path, () => new IOException("in use")));
            Assert.Equal("in use", refused.Message);
            Assert.True(File.Exists(path));
        }

        // A daemon killed with -9 leaves its socket file behind (a closed .NET listener removes its own).
        File.WriteAllText(path, string.Empty);
        Assert.False(UnixSocket.Answers(path));
        UnixSocket.PrepareToListen(path, () => new IOException("in use"));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_refused_connection_becomes_the_callers_error()
    {
        using var dir = new TempDirectory("ckt-socket");
        var path = dir.Combine("none.sock");
        using var handler = UnixSocket.CreateHandler(path, e => new InvalidOperationException($"nothing answers on {path}: {e.SocketErrorCode}"));
        using var client = new HttpClient(handler);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://localhost/")));
        var inner = Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.StartsWith($"nothing answers on {path}: ", inner.Message, StringComparison.Ordinal);
    }
}
