using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Registry.Names;

/// <summary>
/// What a user's image reference means to the cluster: <c>busybox</c> is the cluster registry's
/// <c>library/busybox:latest</c>, <c>team/app:1</c> and <c>app@sha256:...</c> are cluster images too, and a
/// reference that starts with a registry host other than the cluster's is <see cref="IsForeign"/>.
/// </summary>
public sealed record ImageReference
{
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
    /// Resolves <paramref name="text"/> (the grammar is <see cref="ParsedImageReference"/>'s, shared with the worker and ck).
    /// The first path component is a registry host when it has a <c>.</c> or a <c>:</c> or is <c>localhost</c> (as
    /// Docker reads references); it is the cluster's own when it is one of <paramref name="clusterHosts"/> (host or
    /// host:port, compared without case). As with Docker, only a name without a host gets <c>library/</c>:
    /// <c>HOST/app</c> is the repository <c>app</c>.
    /// </summary>
    public static ImageReference Resolve(string text, IReadOnlyCollection<string> clusterHosts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clusterHosts);
        if (!ParsedImageReference.TryParse(text, out var parsed, out var error))
        {
            throw new RegistryException(error.Part == ImageReferencePart.Digest ? RegistryErrorCode.DigestInvalid : RegistryErrorCode.NameInvalid, error.Message);
        }

        var digest = parsed.Digest is null ? null : Digest.Parse(parsed.Digest);
        if (parsed.Host is { } host && !clusterHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return new ImageReference(host, null, parsed.Tag, digest, text);
        }

        // The registry's own rules on top of the grammar (the name with library/ must still fit its limit).
        var name = parsed.Host is null ? parsed.LibraryPath : parsed.Path;
        if (!RepositoryName.TryParse(name, out var repository, out var nameError))
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, $"invalid reference '{text}': {nameError}");
        }

        return new ImageReference(null, repository, parsed.Tag ?? (digest is null ? Names.Tag.Latest : null), digest, text);
    }
}
