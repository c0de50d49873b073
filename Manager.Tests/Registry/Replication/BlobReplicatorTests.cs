using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>Three managers' blob stores and one shared store; peers reached through an in-process fetcher.</summary>
public sealed class BlobReplicatorTests : IDisposable
{
    private static readonly byte[] Layer = Encoding.ASCII.GetBytes("a layer that only m1 received");

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly RegistryManagers _managers = new(new LocalStore(new MemoryStore()), new FakeTimeProvider(DateTimeOffset.UnixEpoch), "m1", "m2", "m3");

    private CancellationToken _ct => _timeout.Token;

    public void Dispose()
    {
        _managers.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task A_manager_that_lacks_a_blob_copies_it_from_the_holder_and_records_its_own_copy()
    {
        var digest = await _managers.PushAsync("m1", Layer, _ct);

        Assert.Equal(1, await _managers.Replicator("m2").RunOnceAsync(_ct));
        Assert.Equal(0, await _managers.Replicator("m2").RunOnceAsync(_ct));

        Assert.Equal(Layer, await ReadAsync("m2", digest));
        Assert.Equal(["m1", "m2"], Holders(digest));
        Assert.Equal(0, await _managers.Replicator("m1").RunOnceAsync(_ct));
    }

    [Fact]
    public async Task Corrupt_bytes_from_a_peer_are_refused_never_committed_nor_served_and_the_next_peer_is_asked()
    {
        var digest = await _managers.PushAsync("m1", Layer, _ct);
        _managers.Fetcher.Corrupt.Add("m1");

        Assert.Equal(0, await _managers.Replicator("m2").RunOnceAsync(_ct));
        Assert.Null(await _managers.Blobs["m2"].GetSizeAsync(digest, _ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_managers.Blobs["m2"].Root, "uploads")));
        Assert.Null(await _managers.Source("m2").OpenReadAsync(digest, _ct));
        Assert.Equal(["m1"], Holders(digest));

        // Once m3 holds a good copy, m2 gets the blob from it (m1 still lies).
        await _managers.PushAsync("m3", Layer, _ct);
        Assert.Equal(1, await _managers.Replicator("m2").RunOnceAsync(_ct));
        Assert.Equal(Layer, await ReadAsync("m2", digest));
        Assert.Contains("m3", _managers.Fetcher.Asked);
    }

    [Fact]
    public async Task A_manager_asked_for_a_blob_only_a_peer_holds_fetches_it_while_serving()
    {
        var digest = await _managers.PushAsync("m1", Layer, _ct);
        var source = _managers.Source("m3");

        Assert.Equal(Layer.Length, await source.GetSizeAsync(digest, _ct));
        await using (var stream = await source.OpenReadAsync(digest, _ct))
        {
            var read = new MemoryStream();
            await stream!.CopyToAsync(read, _ct);
            Assert.Equal(Layer, read.ToArray());
        }

        Assert.Equal(["m1", "m3"], Holders(digest));
        Assert.Null(await source.OpenReadAsync(Digest.Of([1, 2, 3]), _ct));
    }

    [Fact]
    public async Task A_copy_lost_from_disk_is_forgotten_and_fetched_again()
    {
        var digest = await _managers.PushAsync("m1", Layer, _ct);
        await _managers.Replicator("m2").RunOnceAsync(_ct);
        await _managers.Blobs["m2"].DeleteAsync(digest, _ct);

        Assert.Equal(1, await _managers.Replicator("m2").RunOnceAsync(_ct));
        Assert.Equal(Layer, await ReadAsync("m2", digest));
    }

    [Fact]
    public async Task With_two_copies_wanted_only_one_other_manager_copies()
    {
        var digest = await _managers.PushAsync("m1", Layer, _ct);

        var copied = 0;
        foreach (var member in (string[])["m2", "m3"])
        {
            copied += await _managers.Replicator(member, copies: 2).RunOnceAsync(_ct);
        }

        Assert.Equal(1, copied);
        Assert.Equal(2, Holders(digest).Count);
    }

    private List<string> Holders(Digest digest) =>
        _managers.Store.View(tx => tx.Find(RegistryBlobLocationTable.ByDigest(digest.ToString())).Select(l => l.Member).Order(StringComparer.Ordinal).ToList());

    private async Task<byte[]> ReadAsync(string member, Digest digest)
    {
        await using var stream = _managers.Blobs[member].OpenRead(digest) ?? throw new InvalidOperationException($"{member} lacks {digest}");
        var read = new MemoryStream();
        await stream.CopyToAsync(read, _ct);
        return read.ToArray();
    }
}
