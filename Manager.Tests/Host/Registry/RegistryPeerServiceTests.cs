using ClusterKit.Manager.Host.Registry;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary><c>RegistryPeer.FetchBlob</c> in process: one manager's blob store served over gRPC, another fetching from it.</summary>
public sealed class RegistryPeerServiceTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("ck-registry-peer");
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private FileBlobStore _serving = null!;
    private WebApplication _app = null!;
    private GrpcChannel _channel = null!;

    private CancellationToken _ct => _timeout.Token;

    public async Task InitializeAsync()
    {
        _serving = new FileBlobStore(Path.Combine(_root.Path, "serving"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IBlobStore>(_serving);
        _app = builder.Build();
        _app.MapGrpcService<RegistryPeerService>();
        await _app.StartAsync();
        var server = _app.GetTestServer();
        _channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.CreateHandler() });
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public void Dispose()
    {
        _timeout.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task A_blob_larger_than_a_chunk_arrives_whole_and_commits_verified_on_the_fetching_manager()
    {
        var content = new byte[(RegistryPeerService.ChunkSize * 2) + 12345];
        new Random(16).NextBytes(content);
        var digest = Digest.Of(content);
        await _serving.ImportAsync(digest, new MemoryStream(content), content.Length, _ct);
        var fetching = new FileBlobStore(Path.Combine(_root.Path, "fetching"));

        await using (var stream = Open(digest))
        {
            Assert.Equal(content.Length, await fetching.ImportAsync(digest, stream, content.Length, _ct));
        }

        await using var copy = fetching.OpenRead(digest)!;
        var read = new MemoryStream();
        await copy.CopyToAsync(read, _ct);
        Assert.Equal(content, read.ToArray());
    }

    [Fact]
    public async Task A_blob_the_manager_lacks_is_not_found_and_a_malformed_digest_is_refused()
    {
        await using (var missing = Open(Digest.Of([1, 2, 3])))
        {
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => missing.ReadAsync(new byte[16], _ct).AsTask())).StatusCode);
        }

        var call = new RegistryPeer.RegistryPeerClient(_channel).FetchBlob(new FetchBlobRequest { Digest = "sha256:../../etc/passwd" }, cancellationToken: _ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(_ct));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    private BlobChunkStream Open(Digest digest) =>
        new(new RegistryPeer.RegistryPeerClient(_channel).FetchBlob(new FetchBlobRequest { Digest = digest.ToString() }, cancellationToken: _ct));
}
