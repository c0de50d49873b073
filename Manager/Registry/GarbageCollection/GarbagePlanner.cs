using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Registry.GarbageCollection;

/// <summary>A blob to collect: every store record of it, at the versions read, and its size.</summary>
public sealed record GarbageBlob(string Digest, long Size, IReadOnlyList<RegistryBlobLink> Links, IReadOnlyList<RegistryBlobLocation> Locations);

/// <summary>
/// The mark of garbage collection, pure: a blob is live when any manifest in any repository names it (config,
/// layers, child manifests of an index, the manifests themselves), or when any link of it was made or touched, or
/// any copy of it recorded, less than <c>grace</c> ago (a push in flight whose manifest has not arrived). Every
/// other blob that a link or a location names is garbage, with all its records.
/// </summary>
public static class GarbagePlanner
{
    public static IReadOnlyList<GarbageBlob> Plan(
        IEnumerable<RegistryManifest> manifests,
        IEnumerable<RegistryBlobLink> links,
        IEnumerable<RegistryBlobLocation> locations,
        DateTimeOffset now,
        TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(locations);
        var live = Mark(manifests);
        var youngSince = (now - grace).ToUnixTimeMilliseconds();
        var linksByDigest = links.ToLookup(l => l.Digest, StringComparer.Ordinal);
        var locationsByDigest = locations.ToLookup(l => l.Digest, StringComparer.Ordinal);
        var garbage = new List<GarbageBlob>();
        foreach (var digest in linksByDigest.Select(g => g.Key).Union(locationsByDigest.Select(g => g.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var blobLinks = linksByDigest[digest].ToList();
            var copies = locationsByDigest[digest].ToList();
            if (live.Contains(digest) || blobLinks.Any(l => l.TouchedAtUnixMs > youngSince) || copies.Any(l => l.RecordedAtUnixMs > youngSince))
            {
                continue;
            }

            var size = copies.Count > 0 ? copies.Max(l => l.Size) : blobLinks.Select(l => l.Size).DefaultIfEmpty(0).Max();
            garbage.Add(new GarbageBlob(digest, size, blobLinks, copies));
        }

        return garbage;
    }

    /// <summary>Every digest a manifest names, and the manifests' own.</summary>
    public static HashSet<string> Mark(IEnumerable<RegistryManifest> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            live.Add(manifest.Digest);
            live.UnionWith(manifest.References);
        }

        return live;
    }
}
