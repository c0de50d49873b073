using System.Net;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Tests.Registry.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>
/// Managers' registry endpoints in process (TestHost), each with its own blob store, all over one store, with
/// replication, durable acknowledgement and garbage collection registered as ck-manager registers them; peers reached
/// in process (<see cref="RegistryManagers.Fetcher"/>), time on <see cref="RegistryManagers.Time"/>.
/// </summary>
internal sealed class RegistryEndpointCluster : IAsyncDisposable
{
    private readonly LocalStore _store = new(new MemoryStore());
    private readonly Dictionary<string, WebApplication> _apps = new(StringComparer.Ordinal);

    private RegistryEndpointCluster(string[] members)
    {
        Managers = new RegistryManagers(_store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), members);
    }

    public RegistryManagers Managers { get; }

    public IStore Store => _store;

    public WebApplication this[string member] => _apps[member];

    public static async Task<RegistryEndpointCluster> StartAsync(
        CancellationToken cancellationToken,
        Action<BlobReplicationOptions>? replication = null,
        Action<RegistryDurabilityOptions>? durability = null,
        params string[] members)
    {
        var cluster = new RegistryEndpointCluster(members.Length == 0 ? ["m1", "m2", "m3"] : members);
        try
        {
            foreach (var member in cluster.Managers.Members)
            {
                cluster._apps[member] = await cluster.StartAsync(member, replication, durability, cancellationToken);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Pushes each blob to <paramref name="manager"/> in one monolithic upload into team/app.</summary>
    public static async Task PushBlobsAsync(HttpClient manager, CancellationToken cancellationToken, params byte[][] blobs)
    {
        foreach (var blob in blobs)
        {
            using var pushed = await manager.PostAsync($"/v2/team/app/blobs/uploads/?digest={Digest.Of(blob)}", RegistryResponsesForTests.Bytes(blob), cancellationToken);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Held fetches go on, so that no replicator waits on them while its host stops.
        Managers.Fetcher.Release();
        foreach (var app in _apps.Values)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        Managers.Dispose();
    }

    private async Task<WebApplication> StartAsync(string member, Action<BlobReplicationOptions>? replication, Action<RegistryDurabilityOptions>? durability, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        builder.Services.AddSingleton<TimeProvider>(Managers.Time);
        builder.Services.AddSingleton<IStore>(_store);
        builder.Services.AddSingleton<IRegistryMetadata>(new StoreRegistryMetadata(_store));
        builder.Services.AddSingleton<IBlobStore>(Managers.Blobs[member]);
        builder.Services.AddSingleton(Managers.Membership(member));
        builder.Services.AddSingleton<IBlobPeerFetcher>(Managers.Fetcher);
        builder.Services.AddSingleton<ILeadership>(new LeadershipSignal());
        builder.Services.AddSingleton<IRegistryAccess, RegistryTestServer.TestAccess>();
        builder.Services.AddClusterKitRegistryReplication(
            o =>
            {
                o.Interval = TimeSpan.FromMinutes(10);
                replication?.Invoke(o);
            },
            durability: durability);
        builder.Services.AddClusterKitRegistry(Managers.Blobs[member].Root);
        var app = builder.Build();
        RegistryEndpoints.Map(app);
        await app.StartAsync(cancellationToken);
        return app;
    }
}
