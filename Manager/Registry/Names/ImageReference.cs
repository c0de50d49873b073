using System.Text.RegularExpressions;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Names;

/// <summary>
/// What a user's image reference means to the cluster: <c>busybox</c> is the cluster registry's
/// <c>library/busybox:latest</c>, <c>team/app:1</c> and <c>app@sha256:...</c> are cluster images too, and a
/// reference that starts with a registry host other than the cluster's is <see cref="IsForeign"/>.
/// </summary>
public sealed partial record ImageReference
{
    private const string Library = "library/";

    private ImageReference(string? foreignHost, RepositoryName? repository, string? tag, Digest? digest, string text)
    {
        ForeignHost = foreignHost;
        Repository = repository;
        Tag = tag;
        Digest = digest;
        Text = text;
    }

    /// <summary>The registry host of a reference to another registry; null for the cluster's own images.</summary>
    public string? ForeignHost { get; }

    public bool IsForeign => ForeignHost is not null;

    /// <summary>The repository in the cluster registry; null when foreign.</summary>
    public RepositoryName? Repository { get; }

    /// <summary>The tag; <c>latest</c> when neither tag nor digest was given.</summary>
    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>The reference as the user wrote it.</summary>
    public string Text { get; }

    public override string ToString() =>
        IsForeign ? Text : Repository + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>
    /// Resolves <paramref name="text"/>. The first path component is a registry host when it has a <c>.</c> or a
    /// <c>:</c> or is <c>localhost</c> (as Docker reads references); it is the cluster's own when it is one of
    /// <paramref name="clusterHosts"/> (host or host:port, compared without case). As with Docker, only a name
    /// without a host gets <c>library/</c>: <c>HOST/app</c> is the repository <c>app</c>.
    /// </summary>
    public static ImageReference Resolve(string text, IReadOnlyCollection<string> clusterHosts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clusterHosts);
        if (text.Length == 0 || text.Any(char.IsWhiteSpace))
        {
            throw Invalid(text, "expected name[:tag][@digest] without spaces");
        }

        var name = text;
        Digest? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = Digest.TryParse(text[(at + 1)..], out var parsed, out var digestError)
                ? parsed
                : throw new RegistryException(RegistryErrorCode.DigestInvalid, $"invalid reference '{text}': {digestError}");
            name = text[..at];
        }

        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (Names.Tag.Check(tag) is { } tagError)
            {
                throw Invalid(text, tagError);
            }
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IsHost(name[..slash]))
        {
            var host = name[..slash];
            if (!HostPattern().IsMatch(host))
            {
                throw Invalid(text, $"registry '{host}' is not a valid host[:port]");
            }

            if (!clusterHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
            {
                return new ImageReference(host, null, tag, digest, text);
            }

            name = name[(slash + 1)..];
        }
        else if (!name.Contains('/', StringComparison.Ordinal))
        {
            name = Library + name;
        }

        if (!RepositoryName.TryParse(name, out var repository, out var nameError))
        {
            throw Invalid(text, nameError);
        }

        return new ImageReference(null, repository, tag ?? (digest is null ? Names.Tag.Latest : null), digest, text);
    }

    private static bool IsHost(string component) =>
        component.Contains('.', StringComparison.Ordinal) || component.Contains(':', StringComparison.Ordinal) || component == "localhost";

    [GeneratedRegex("^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?\\z")]
    private static partial Regex HostPattern();

    private static RegistryException Invalid(string text, string why) => new(RegistryErrorCode.NameInvalid, $"invalid reference '{text}': {why}");
}
