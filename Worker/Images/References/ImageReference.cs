using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Images.References;

/// <summary>
/// A parsed image reference, <c>[domain[:port]/]path[:tag][@sha256:hex]</c>, normalised as Docker
/// does: no domain means docker.io, and a one-component docker.io path lives under library/.
/// <see cref="ToString"/> gives the short familiar form (busybox:latest), <see cref="Canonical"/>
/// the full one (docker.io/library/busybox:latest) that the store keeps.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const int MaxNameLength = 255;
    private const string LibraryPrefix = "library/";

    private ImageReference(string domain, string path, string? tag, string? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>Registry host with optional port, e.g. docker.io or registry.local:5000.</summary>
    public string Domain { get; }

    /// <summary>Repository path below the domain, e.g. library/busybox or team/app/web.</summary>
    public string Path { get; }

    public string? Tag { get; }

    /// <summary>sha256 manifest digest when the reference pins one.</summary>
    public string? Digest { get; }

    /// <summary>domain/path, e.g. docker.io/library/busybox.</summary>
    public string Repository => $"{Domain}/{Path}";

    /// <summary>The repository as people write it: docker.io/library/ and docker.io/ left out.</summary>
    public string FamiliarRepository =>
        Domain != DefaultDomain ? Repository
        : Path.StartsWith(LibraryPrefix, StringComparison.Ordinal) && Path.IndexOf('/', LibraryPrefix.Length) < 0 ? Path[LibraryPrefix.Length..]
        : Path;

    /// <summary>The full, normalised form the names table is keyed by.</summary>
    public string Canonical => Repository + Suffix;

    private string Suffix => (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>The reference with tag "latest" when it names neither tag nor digest.</summary>
    public ImageReference WithDefaultTag() => Tag is null && Digest is null ? new ImageReference(Domain, Path, DefaultTag, null) : this;

    /// <summary>The same repository with another tag and no digest.</summary>
    public ImageReference WithTag(string tag) => new(Domain, Path, tag, null);

    public override string ToString() => FamiliarRepository + Suffix;

    /// <summary>Parses a reference or throws an <see cref="ImageStoreException"/> saying what is wrong.</summary>
    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference, out var error)
            ? reference
            : throw new ImageStoreException(ImageErrorKind.InvalidArgument, error);

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ImageReference? reference, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        reference = null;
        error = Validate(text ?? string.Empty, out var parsed);
        if (error is not null)
        {
            error = $"invalid reference '{text}': {error}";
            return false;
        }

        reference = parsed!;
        return true;
    }

    private static string? Validate(string text, out ImageReference? reference)
    {
        reference = null;
        if (text.Length == 0)
        {
            return "the reference is empty; expected name[:tag][@sha256:digest]";
        }

        if (text.Any(char.IsWhiteSpace))
        {
            return "references cannot contain whitespace";
        }

        var name = text;
        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            name = text[..at];
            if (!Digests.IsValid(digest))
            {
                return "the digest must be sha256: followed by 64 lowercase hex digits";
            }
        }

        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                return $"tag '{tag}' is invalid; a tag is 1-128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'";
            }
        }

        if (name.Length == 0)
        {
            return "the repository name is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"the repository name is longer than {MaxNameLength} characters";
        }

        var domain = DefaultDomain;
        var path = name;
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = name[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                if (!DomainPattern().IsMatch(first))
                {
                    return $"registry '{first}' is not a valid host[:port]";
                }

                domain = first == "index.docker.io" ? DefaultDomain : first;
                path = name[(slash + 1)..];
            }
        }

        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0)
            {
                return "repository path components cannot be empty";
            }

            if (component.Any(char.IsUpper))
            {
                return "repository names must be lowercase";
            }

            if (!ComponentPattern().IsMatch(component))
            {
                return $"path component '{component}' is invalid; use lowercase letters and digits separated by '.', '_', '__' or '-'";
            }
        }

        if (domain == DefaultDomain && Digests.IsLowerHex(path) && path.Length == 64 && slash < 0)
        {
            return "a 64-character hexadecimal name is reserved for image ids";
        }

        if (domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal))
        {
            path = LibraryPrefix + path;
        }

        reference = new ImageReference(domain, path, tag, digest);
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex ComponentPattern();

    [GeneratedRegex("^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$")]
    private static partial Regex DomainPattern();
}
