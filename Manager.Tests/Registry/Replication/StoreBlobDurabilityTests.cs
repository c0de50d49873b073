using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>The wait for copies over a store without replicators: the test records the copies itself.</summary>
public sealed class StoreBlobDurabilityTests : IDisposable
{
    private readonly MemoryStore _memory = new();
    private readonly RegistryManagers _managers;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public StoreBlobDurabilityTests()
    {
        _managers = new RegistryManagers(new LocalStore(_memory), new FakeTimeProvider(DateTimeOffset.UnixEpoch), "m1", "m2", "m3");
    }

    private CancellationToken _ct => _timeout.Token;

    public void Dispose()
    {
        _managers.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task The_wait_ends_with_the_commit_that_records_a_second_copy_and_lets_go_of_its_watch()
    {
        var digest = await _managers.PushAsync("m1", Encoding.UTF8.GetBytes("layer"), _ct);

        var wait = Durability().WaitAsync([digest], _ct);

        Assert.False(wait.IsCompleted);
        Assert.Equal(1, _memory.WatcherCount);
        await _managers.Locations("m2").RecordLocalAsync(digest, 5, _ct);
        Assert.Empty(await wait.WaitAsync(_ct));
        Assert.Equal(0, _memory.WatcherCount);
    }

    [Fact]
    public async Task Copies_of_other_blobs_do_not_count_and_the_timeout_returns_what_is_missing()
    {
        var digest = await _managers.PushAsync("m1", Encoding.UTF8.GetBytes("layer"), _ct);
        var other = await _managers.PushAsync("m1", Encoding.UTF8.GetBytes("another layer"), _ct);

        var wait = Durability().WaitAsync([digest, other], _ct);
        await _managers.Locations("m2").RecordLocalAsync(other, 13, _ct);
        await _managers.Locations("m3").RecordLocalAsync(Digest.Of(Encoding.UTF8.GetBytes("unrelated")), 9, _ct);
        _managers.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal([new BlobShortfall(digest, 1, 2)], await wait.WaitAsync(_ct));
        Assert.Equal(0, _memory.WatcherCount);
    }

    [Fact]
    public async Task A_blob_durable_already_or_wanted_once_is_answered_at_once_without_a_watch()
    {
        var durable = await _managers.PushAsync("m1", Encoding.UTF8.GetBytes("on two managers"), _ct);
        await _managers.Locations("m3").RecordLocalAsync(durable, 15, _ct);
        var single = await _managers.PushAsync("m1", Encoding.UTF8.GetBytes("on one manager"), _ct);

        var both = Durability().WaitAsync([durable], _ct);
        var once = Durability(copies: 1).WaitAsync([single], _ct);

        Assert.True(both.IsCompletedSuccessfully && once.IsCompletedSuccessfully);
        Assert.Empty(await both);
        Assert.Empty(await once);
        Assert.Equal(0, _memory.WatcherCount);
    }

    private StoreBlobDurability Durability(int? copies = null) => new(
        _managers.Store,
        _managers.Membership("m1"),
        Options.Create(new BlobReplicationOptions { Copies = copies }),
        Options.Create(new RegistryDurabilityOptions()),
        _managers.Time,
        NullLogger<StoreBlobDurability>.Instance);
}
