using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>A fixed membership: one manager's view of the cluster.</summary>
internal sealed class FixedMembership(string local, IReadOnlyList<string> members) : IManagerMembership
{
    public string LocalMember { get; } = local;

    public IReadOnlyList<string> Members { get; } = members;
}

/// <summary>
/// The managers' channel in process: reads a peer's blob store directly, or, for the members named corrupt, serves
/// the blob's bytes with one byte changed (a peer with a damaged disk, or a hostile one).
/// </summary>
internal sealed class InProcessPeerFetcher(IReadOnlyDictionary<string, IBlobStore> stores) : IBlobPeerFetcher
{
    public HashSet<string> Corrupt { get; } = new(StringComparer.Ordinal);

    public List<string> Asked { get; } = [];

    /// <summary>Managers that are down: asking them fails as an unreachable peer does.</summary>
    public HashSet<string> Down { get; } = new(StringComparer.Ordinal);

    private volatile TaskCompletionSource _gate = Opened();

    /// <summary>Holds every fetch from now on until <see cref="Release"/>: peers that are slow to copy.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets the held fetches, and every later one, go on.</summary>
    public void Release() => _gate.TrySetResult();

    public async Task<Stream> OpenAsync(string member, Digest digest, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(member);
        }

        if (Down.Contains(member))
        {
            throw new IOException($"manager {member} is down");
        }

        await _gate.Task.WaitAsync(cancellationToken);

        await using var source = stores[member].OpenRead(digest) ?? throw new IOException($"manager {member} has no blob {digest}");
        var copy = new MemoryStream();
        await source.CopyToAsync(copy, cancellationToken);
        var bytes = copy.ToArray();
        if (Corrupt.Contains(member) && bytes.Length > 0)
        {
            bytes[0] ^= 0xff;
        }

        return new MemoryStream(bytes);
    }

    private static TaskCompletionSource Opened()
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        opened.SetResult();
        return opened;
    }
}

/// <summary>
/// A store that, like the Raft store, builds a transaction on the current state and commits it a moment later (after
/// a yield, or after a hook given to <see cref="OnNextCommit"/> ran), so concurrent writers can interleave between read and commit.
/// </summary>
internal sealed class DeferredCommitStore(MemoryStore memory) : IStore
{
    public MemoryStore Memory { get; } = memory;

    private Func<Task>? _beforeCommit;

    /// <summary>Runs <paramref name="hook"/> once, between the next transaction's preparation and its commit.</summary>
    public void OnNextCommit(Func<Task> hook) => _beforeCommit = hook;

    public T View<T>(Func<IReadTransaction, T> read) => Memory.View(read);

    public ValueTask<T> ReadAsync<T>(Func<IReadTransaction, T> read, CancellationToken token = default) => ValueTask.FromResult(Memory.View(read));

    public async Task<ulong> UpdateAsync(Action<WriteTransaction> update, CancellationToken token = default)
    {
        var transaction = Memory.Prepare(update);
        if (Interlocked.Exchange(ref _beforeCommit, null) is { } hook)
        {
            await hook();
        }
        else
        {
            await Task.Yield();
        }

        return Memory.Apply(transaction).VersionOrThrow();
    }

    public IAsyncEnumerable<StoreEvent> WatchAsync(CancellationToken token = default) => Memory.WatchAsync(token);

    public (T View, IAsyncEnumerable<StoreEvent> Events) ViewAndWatch<T>(Func<IReadTransaction, T> read, CancellationToken token = default) =>
        Memory.ViewAndWatch(read, token);
}

/// <summary>Two or three managers in one process: a blob store each under a temporary directory, one shared store.</summary>
internal sealed class RegistryManagers : IDisposable
{
    private readonly TempDirectory _root = new("ck-registry-managers");

    public RegistryManagers(IStore store, FakeTimeProvider time, params string[] members)
    {
        Store = store;
        Time = time;
        Members = members;
        foreach (var member in members)
        {
            Blobs[member] = new FileBlobStore(Path.Combine(_root.Path, member));
        }

        Fetcher = new InProcessPeerFetcher(Blobs.ToDictionary(b => b.Key, b => (IBlobStore)b.Value));
    }

    public IStore Store { get; }

    public FakeTimeProvider Time { get; }

    public IReadOnlyList<string> Members { get; }

    public Dictionary<string, FileBlobStore> Blobs { get; } = new(StringComparer.Ordinal);

    public InProcessPeerFetcher Fetcher { get; }

    public IManagerMembership Membership(string member) => new FixedMembership(member, Members);

    public StoreBlobLocations Locations(string member) => new(Store, Membership(member), Time);

    public PeerBlobCopier Copier(string member) =>
        new(Blobs[member], Locations(member), Fetcher, NullLogger<PeerBlobCopier>.Instance);

    public ReadThroughBlobSource Source(string member) => new(Blobs[member], Locations(member), Copier(member));

    public BlobReplicator Replicator(string member, int? copies = null) => new(
        Store,
        Locations(member),
        Blobs[member],
        Membership(member),
        Copier(member),
        Options.Create(new BlobReplicationOptions { Copies = copies }),
        Time,
        NullLogger<BlobReplicator>.Instance);

    /// <summary>Commits the blob on <paramref name="member"/> as an upload would, and records its location.</summary>
    public async Task<Digest> PushAsync(string member, byte[] content, CancellationToken cancellationToken)
    {
        var digest = Digest.Of(content);
        var size = await Blobs[member].ImportAsync(digest, new MemoryStream(content), content.Length, cancellationToken);
        await Locations(member).RecordLocalAsync(digest, size, cancellationToken);
        return digest;
    }

    public void Dispose() => _root.Dispose();
}
