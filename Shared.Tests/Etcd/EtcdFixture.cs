using System.Runtime.CompilerServices;
using System.Text.Json;
using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.TestKit;
using Grpc.Net.Client;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>One real etcd (one member) per test class, with our generated clients on a channel to it and etcdctl beside them.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    private ReferenceEtcd? _etcd;
    private GrpcChannel? _channel;

    public ReferenceEtcd Etcd => _etcd ?? throw new InvalidOperationException("the fixture has not started");

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("the fixture has not started");

    public KV.KVClient Kv => new(Channel);

    public Watch.WatchClient Watch => new(Channel);

    public Lease.LeaseClient Lease => new(Channel);

    public Cluster.ClusterClient Cluster => new(Channel);

    public Maintenance.MaintenanceClient Maintenance => new(Channel);

    /// <summary>A deadline for one call: a hung etcd fails the test instead of stalling the run.</summary>
    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(10);

    /// <summary>A key prefix of the calling test, so that the tests of a class sharing one etcd do not see each other's keys.</summary>
    public static string Prefix([CallerMemberName] string test = "") => $"/{test}/";

    /// <summary>What etcdctl prints with -w json for these arguments, against this etcd.</summary>
    public Task<JsonElement> EtcdctlJsonAsync(params string[] arguments) => Etcdctl.RunJsonAsync(Etcd.Endpoints, arguments);

    /// <summary>What <c>etcdctl txn</c> prints with -w json for this compares/success/failure text on its stdin.</summary>
    public Task<JsonElement> EtcdctlTxnJsonAsync(string input) => Etcdctl.RunJsonAsync(Etcd.Endpoints, ["txn"], input);

    public async Task InitializeAsync()
    {
        _etcd = await ReferenceEtcd.StartAsync();
        _channel = GrpcChannel.ForAddress(_etcd.ClientUrl);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }
}
