using ClusterKit.Manager.Kv.Etcd;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>
/// ClusterKit's etcd services in this process: Kestrel on a free 127.0.0.1 port, HTTP/2 without TLS (as etcd's plain
/// client URL), over a <see cref="MemoryKvBackend"/> of a fresh store. Stopped and its port freed on dispose.
/// </summary>
internal sealed class EtcdTestServer : IAsyncDisposable
{
    public const ulong ClusterId = 0xC1;
    public const ulong MemberId = 0x5E1F;

    private readonly WebApplication _app;

    private EtcdTestServer(WebApplication app, MemoryStore store, string url)
    {
        _app = app;
        Store = store;
        Url = url;
        Channel = GrpcChannel.ForAddress(url);
    }

    public MemoryStore Store { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public string Url { get; }

    /// <summary>host:port, as etcdctl's --endpoints takes it.</summary>
    public string Endpoint => Url["http://".Length..];

    public GrpcChannel Channel { get; }

    public static async Task<EtcdTestServer> StartAsync(TimeProvider? time = null, EtcdOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var store = new MemoryStore();
        var clock = time ?? TimeProvider.System;
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton<IKvBackend>(new MemoryKvBackend(
            store, new KvLeaseClock(clock), ClusterId, new KvMember(MemberId, "test-manager", ["https://127.0.0.1:1"], ["http://127.0.0.1:2"])));
        builder.Services.AddEtcdApi(options ?? new EtcdOptions { LeaseIdSeed = 42 });
        var app = builder.Build();
        app.MapEtcdApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new EtcdTestServer(app, store, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public KV.KVClient Kv => new(Channel);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
