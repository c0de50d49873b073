using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>
/// The cluster registry's metadata (ADR 0016): which repository holds which blob, the manifests, the tags. Rows
/// are keyed by repository and digest or tag, and indexed by repository (a repository's listing) and by digest
/// (what still holds or names a blob or a manifest: garbage collection and deletes).
/// </summary>
public static class RegistryTables
{
    /// <summary>The key of a repository's row for a blob or a manifest (a repository name has no '@' nor ':').</summary>
    public static string DigestKey(string repository, string digest) => repository + "@" + digest;

    /// <summary>The key of a repository's tag.</summary>
    public static string TagKey(string repository, string tag) => repository + ":" + tag;
}

/// <summary>Repositories' holds on blobs, keyed by repository and digest, indexed by repository and by digest.</summary>
public static class RegistryBlobLinkTable
{
    public static StoreIndex<RegistryBlobLink> RepositoryIndex { get; } = new("repository", static l => l.Repository);

    public static StoreIndex<RegistryBlobLink> DigestIndex { get; } = new("digest", static l => l.Digest);

    public static StoreTable<RegistryBlobLink> Descriptor { get; } = new()
    {
        Table = Table.RegistryBlobLinks,
        Name = "registry-blob-links",
        EnvelopeCase = StoreObject.ObjectOneofCase.RegistryBlobLink,
        Key = static l => l.Id,
        NewWithKeyOf = static id => new RegistryBlobLink { Id = id },
        Version = static l => l.Version,
        SetVersion = static (l, v) => l.Version = v,
        WrapRow = static l => new StoreObject { RegistryBlobLink = l },
        UnwrapRow = static o => o.RegistryBlobLink,
        SnapshotRows = static s => s.RegistryBlobLinks,
        TypedIndexes = [RepositoryIndex, DigestIndex],
    };

    public static IndexQuery<RegistryBlobLink> ByRepository(string repository) => RepositoryIndex.For(repository);

    /// <summary>Every repository's hold on the blob.</summary>
    public static IndexQuery<RegistryBlobLink> ByDigest(string digest) => DigestIndex.For(digest);
}

/// <summary>Manifests, keyed by repository and digest, indexed by repository and by digest.</summary>
public static class RegistryManifestTable
{
    public static StoreIndex<RegistryManifest> RepositoryIndex { get; } = new("repository", static m => m.Repository);

    public static StoreIndex<RegistryManifest> DigestIndex { get; } = new("digest", static m => m.Digest);

    public static StoreTable<RegistryManifest> Descriptor { get; } = new()
    {
        Table = Table.RegistryManifests,
        Name = "registry-manifests",
        EnvelopeCase = StoreObject.ObjectOneofCase.RegistryManifest,
        Key = static m => m.Id,
        NewWithKeyOf = static id => new RegistryManifest { Id = id },
        Version = static m => m.Version,
        SetVersion = static (m, v) => m.Version = v,
        WrapRow = static m => new StoreObject { RegistryManifest = m },
        UnwrapRow = static o => o.RegistryManifest,
        SnapshotRows = static s => s.RegistryManifests,
        TypedIndexes = [RepositoryIndex, DigestIndex],
    };

    public static IndexQuery<RegistryManifest> ByRepository(string repository) => RepositoryIndex.For(repository);

    /// <summary>The manifest with this digest in every repository that has it.</summary>
    public static IndexQuery<RegistryManifest> ByDigest(string digest) => DigestIndex.For(digest);
}

/// <summary>Tags, keyed by repository and tag, indexed by repository and by the manifest they point at.</summary>
public static class RegistryTagTable
{
    public static StoreIndex<RegistryTag> RepositoryIndex { get; } = new("repository", static t => t.Repository);

    /// <summary>Keyed by repository and digest (<see cref="RegistryTables.DigestKey"/>): a manifest's tags in its own repository.</summary>
    public static StoreIndex<RegistryTag> ManifestIndex { get; } = new("manifest", static t => RegistryTables.DigestKey(t.Repository, t.ManifestDigest));

    public static StoreTable<RegistryTag> Descriptor { get; } = new()
    {
        Table = Table.RegistryTags,
        Name = "registry-tags",
        EnvelopeCase = StoreObject.ObjectOneofCase.RegistryTag,
        Key = static t => t.Id,
        NewWithKeyOf = static id => new RegistryTag { Id = id },
        Version = static t => t.Version,
        SetVersion = static (t, v) => t.Version = v,
        WrapRow = static t => new StoreObject { RegistryTag = t },
        UnwrapRow = static o => o.RegistryTag,
        SnapshotRows = static s => s.RegistryTags,
        TypedIndexes = [RepositoryIndex, ManifestIndex],
    };

    public static IndexQuery<RegistryTag> ByRepository(string repository) => RepositoryIndex.For(repository);

    /// <summary>The tags of <paramref name="repository"/> that point at the manifest <paramref name="digest"/>.</summary>
    public static IndexQuery<RegistryTag> ByManifest(string repository, string digest) => ManifestIndex.For(RegistryTables.DigestKey(repository, digest));
}

/// <summary>Which managers hold which blob's bytes, keyed by digest and member, indexed by digest and by member.</summary>
public static class RegistryBlobLocationTable
{
    public static StoreIndex<RegistryBlobLocation> DigestIndex { get; } = new("digest", static l => l.Digest);

    public static StoreIndex<RegistryBlobLocation> MemberIndex { get; } = new("member", static l => l.Member);

    public static StoreTable<RegistryBlobLocation> Descriptor { get; } = new()
    {
        Table = Table.RegistryBlobLocations,
        Name = "registry-blob-locations",
        EnvelopeCase = StoreObject.ObjectOneofCase.RegistryBlobLocation,
        Key = static l => l.Id,
        NewWithKeyOf = static id => new RegistryBlobLocation { Id = id },
        Version = static l => l.Version,
        SetVersion = static (l, v) => l.Version = v,
        WrapRow = static l => new StoreObject { RegistryBlobLocation = l },
        UnwrapRow = static o => o.RegistryBlobLocation,
        SnapshotRows = static s => s.RegistryBlobLocations,
        TypedIndexes = [DigestIndex, MemberIndex],
    };

    /// <summary>The key of <paramref name="member"/>'s copy of the blob (a digest has no '@').</summary>
    public static string Key(string digest, string member) => digest + "@" + member;

    /// <summary>Every manager's copy of the blob.</summary>
    public static IndexQuery<RegistryBlobLocation> ByDigest(string digest) => DigestIndex.For(digest);

    /// <summary>Every blob one manager holds.</summary>
    public static IndexQuery<RegistryBlobLocation> ByMember(string member) => MemberIndex.For(member);
}

/// <summary>Credentials for standard registry clients, keyed by user name (the secret only as a salted hash).</summary>
public static class RegistryCredentialTable
{
    public static StoreTable<RegistryCredential> Descriptor { get; } = new()
    {
        Table = Table.RegistryCredentials,
        Name = "registry-credentials",
        EnvelopeCase = StoreObject.ObjectOneofCase.RegistryCredential,
        Key = static c => c.Id,
        NewWithKeyOf = static id => new RegistryCredential { Id = id },
        Version = static c => c.Version,
        SetVersion = static (c, v) => c.Version = v,
        WrapRow = static c => new StoreObject { RegistryCredential = c },
        UnwrapRow = static o => o.RegistryCredential,
        SnapshotRows = static s => s.RegistryCredentials,
    };
}
