using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Remote;

namespace ClusterKit.Cli.Registry;

/// <summary>The line `ck registry rm` prints for each removal (pure; repository and tags come from the store, escaped).</summary>
internal static class RegistryRemoveText
{
    public static string Format(RemoveRegistryImageResponse removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        var repository = RemoteText.Escape(removed.Repository);
        var digest = RemoteText.Escape(removed.Digest);
        var tags = string.Join(", ", removed.RemovedTags.Select(t => $"{repository}:{RemoteText.Escape(t)}"));
        var what = removed.ManifestRemoved
            ? $"Deleted: {repository}@{digest}" + (tags.Length > 0 ? $" (untagged {tags})" : string.Empty)
            : $"Untagged: {tags} ({digest})";
        return $"{what}; {RemoteText.Escape(removed.Note)}";
    }
}
