using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Tests.Registry.Clients;

/// <summary>A client that drops its connection in the middle of a chunk, against the registry on Kestrel.</summary>
public sealed class DroppedUploadTests
{
    [Fact]
    public async Task A_chunk_cut_off_by_a_dropped_connection_is_taken_back_and_the_upload_resumes()
    {
        await using var registry = await KestrelRegistry.StartAsync("ck-registry-dropped");
        using var client = new HttpClient { BaseAddress = new Uri($"http://{registry.Host}") };
        var content = RandomNumberGenerator.GetBytes(3_000_000);
        var digest = Digest.Of(content);
        using var started = await client.PostAsync("/v2/app/blobs/uploads/", null);
        var location = started.Headers.Location!.OriginalString;
        var id = started.Headers.GetValues("Docker-Upload-UUID").Single();
        var data = registry.Work.Combine("data", "uploads", id, "data");
        using (var first = await client.PatchAsync(location, Chunk(content[..1000], "0-999")))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        // Two thirds of a 2,999,000-byte chunk (more than the 1 MiB the registry gathers before a write), then the
        // connection goes away once the registry has written some of it.
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, registry.Port);
            var head = $"PATCH {location} HTTP/1.1\r\nHost: {registry.Host}\r\nContent-Type: application/octet-stream\r\nContent-Range: 1000-2999999\r\nContent-Length: 2999000\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head));
            await socket.SendAsync(content.AsMemory(1000, 2_000_000));
            Assert.True(await WaitForAsync(() => new FileInfo(data).Length > 1000), "the registry never wrote the chunk's first bytes");
        }

        Assert.True(await WaitForAsync(() => new FileInfo(data).Length == 1000), $"the cut chunk was not taken back: the upload holds {new FileInfo(data).Length} bytes");
        using var status = await client.GetAsync(location);
        using var rest = await client.PatchAsync(location, Chunk(content[1000..], "1000-2999999"));
        using var put = await client.PutAsync($"{location}?digest={digest}", null);
        using var get = await client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal("0-999", status.Headers.GetValues("Range").Single());
        Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
        Assert.Empty(registry.Errors);
    }

    [Fact]
    public async Task A_pull_cancelled_mid_blob_ends_quietly_and_the_blob_stays_whole()
    {
        await using var registry = await KestrelRegistry.StartAsync("ck-registry-dropped");
        using var client = new HttpClient { BaseAddress = new Uri($"http://{registry.Host}") };
        var content = RandomNumberGenerator.GetBytes(32 << 20);
        var digest = Digest.Of(content);
        using (var push = await client.PostAsync($"/v2/app/blobs/uploads/?digest={digest}", new ByteArrayContent(content)))
        {
            Assert.Equal(HttpStatusCode.Created, push.StatusCode);
        }

        using (var pull = await client.GetAsync($"/v2/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await pull.Content.ReadAsStreamAsync();
            var some = new byte[65536];
            await body.ReadExactlyAsync(some);
            Assert.Equal(content[..65536], some);
        }

        using var again = await client.GetAsync($"/v2/app/blobs/{digest}");
        Assert.Equal(content, await again.Content.ReadAsByteArrayAsync());
        await Task.Delay(200);
        Assert.Empty(registry.Errors);
    }

    private static ByteArrayContent Chunk(byte[] bytes, string range)
    {
        var body = new ByteArrayContent(bytes);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        body.Headers.TryAddWithoutValidation("Content-Range", range);
        return body;
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }
}
