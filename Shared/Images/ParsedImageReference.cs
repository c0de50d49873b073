using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using ClusterKit.Shared.Remote;

namespace ClusterKit.Shared.Images;

/// <summary>Which part of a reference is wrong, so that callers can answer in their own terms (a registry's error code).</summary>
public enum ImageReferencePart
{
    /// <summary>The text as a whole: empty, or with whitespace.</summary>
    Text,
    Host,
    Name,
    Tag,
    Digest,
}

/// <summary>Why a text is not an image reference: the part at fault and what is wrong with it.</summary>
public sealed record ImageReferenceError(ImageReferencePart Part, string Text, string Reason)
{
    private const int ShownLimit = 300;

    /// <summary>One line naming the text (escaped: it may hold a newline or a terminal escape; cut when huge) and the reason.</summary>
    public string Message => $"invalid reference '{Show(Text)}': {Reason}";

    private static string Show(string text) =>
        text.Length > ShownLimit ? $"{RemoteText.Escape(text[..ShownLimit])}... ({text.Length} characters)" : RemoteText.Escape(text);
}

/// <summary>A text that is not an image reference.</summary>
public sealed class ImageReferenceException(ImageReferenceError error) : FormatException(error?.Message)
{
    public ImageReferenceError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));
}

/// <summary>
/// An image reference as users type it, <c>[host[:port]/]path[:tag][@digest]</c>: the one grammar of the worker's
/// store, <c>ck image push|pull</c> and the cluster registry. Parsing only splits and checks; it normalises nothing
/// (<c>busybox</c> stays <c>busybox</c>), so <see cref="ToString"/> gives back the text parsed. What a missing host or
/// tag means (docker.io, the cluster registry, <c>library/</c>, <c>latest</c>) is the caller's to decide.
/// </summary>
/// <remarks>
/// The first path component is a host when it has a <c>.</c> or a <c>:</c> or is <c>localhost</c>, as Docker reads
/// references. Path components are lowercase letters and digits joined by <c>.</c>, <c>_</c>, <c>__</c> or dashes (no
/// <c>.</c> or <c>..</c>, nothing empty); the name (host and path) is at most <see cref="MaxNameLength"/> characters;
/// tags 1-128 of <c>[A-Za-z0-9_.-]</c> not starting with <c>.</c> or <c>-</c>; digests <c>sha256:</c> and 64 or
/// <c>sha512:</c> and 128 lowercase hex digits.
/// </remarks>
public sealed partial record ParsedImageReference
{
    public const int MaxNameLength = 255;
    public const string DefaultTag = "latest";
    public const string LibraryPrefix = "library/";

    private const string Expected = "expected [host[:port]/]name[:tag][@digest]";
    private const string TagRule = "a tag is 1-128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'";
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");
    private const string DigestRule = "the digest must be sha256: followed by 64 lowercase hex digits (or sha512: followed by 128)";
    private ParsedImageReference(string? host, string path, string? tag, string? digest)
    {
        Host = host;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host with its optional port as written, e.g. <c>registry.local:5000</c>; null when none was given.</summary>
    public string? Host { get; }

    /// <summary>The repository path below the host as written, e.g. <c>busybox</c> or <c>team/app/web</c>.</summary>
    public string Path { get; }

    public string? Tag { get; }

    /// <summary>The pinned digest, <c>algorithm:hex</c>, or null.</summary>
    public string? Digest { get; }

    /// <summary><c>host/path</c>, or the path without a host.</summary>
    public string Name => Host is null ? Path : Host + "/" + Path;

    /// <summary>The path with <c>library/</c> in front when it has one component (<c>busybox</c> -> <c>library/busybox</c>), whatever the host.</summary>
    public string LibraryPath => Path.Contains('/', StringComparison.Ordinal) ? Path : LibraryPrefix + Path;

    public override string ToString() => Name + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>The same reference on another host (null for none), e.g. to send it to the registry a user named.</summary>
    public ParsedImageReference WithHost(string? host) => new(host, Path, Tag, Digest);

    public ParsedImageReference WithPath(string path) => new(Host, path, Tag, Digest);

    /// <summary>The same repository with <paramref name="tag"/> (null for none), keeping the digest.</summary>
    public ParsedImageReference WithTag(string? tag) => new(Host, Path, tag, Digest);

    public ParsedImageReference WithDigest(string? digest) => new(Host, Path, Tag, digest);

    public static ParsedImageReference Parse(string? text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new ImageReferenceException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ParsedImageReference? reference, [NotNullWhen(false)] out ImageReferenceError? error)
    {
        var failure = Split(text ?? string.Empty, out reference);
        error = failure is null ? null : new ImageReferenceError(failure.Value.Part, text ?? string.Empty, failure.Value.Why);
        return error is null;
    }

    /// <summary>True when <paramref name="component"/>, a reference's first path component, names a registry host.</summary>
    public static bool IsHostComponent(string component)
    {
        ArgumentNullException.ThrowIfNull(component);
        return component.Contains('.', StringComparison.Ordinal) || component.Contains(':', StringComparison.Ordinal) || component == "localhost";
    }

    /// <summary>True for a tag of the grammar.</summary>
    public static bool IsValidTag(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    /// <summary>True for <c>sha256:</c> and 64, or <c>sha512:</c> and 128 lowercase hex digits.</summary>
    public static bool IsValidDigest(string? digest)
    {
        if (digest is null)
        {
            return false;
        }

        var length = digest.StartsWith("sha256:", StringComparison.Ordinal) ? 64 : digest.StartsWith("sha512:", StringComparison.Ordinal) ? 128 : -1;
        return length > 0 && digest.Length == 7 + length && digest.AsSpan(7).IndexOfAnyExcept(LowerHex) < 0;
    }

    private static (ImageReferencePart Part, string Why)? Split(string text, out ParsedImageReference? reference)
    {
        reference = null;
        if (text.Length == 0)
        {
            return (ImageReferencePart.Text, "the reference is empty; " + Expected);
        }

        if (text.Any(char.IsWhiteSpace))
        {
            return (ImageReferencePart.Text, "references cannot contain whitespace");
        }

        var name = text;
        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            name = text[..at];
            if (!IsValidDigest(digest))
            {
                return (ImageReferencePart.Digest, DigestRule);
            }
        }

        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (!IsValidTag(tag))
            {
                return (ImageReferencePart.Tag, $"tag '{tag}' is invalid; {TagRule}");
            }
        }

        if (name.Length == 0)
        {
            return (ImageReferencePart.Name, "the repository name is empty");
        }

        if (name.Length > MaxNameLength)
        {
            return (ImageReferencePart.Name, $"the repository name is longer than {MaxNameLength} characters");
        }

        string? host = null;
        var path = name;
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IsHostComponent(name[..slash]))
        {
            host = name[..slash];
            path = name[(slash + 1)..];
            if (!HostPattern().IsMatch(host))
            {
                return (ImageReferencePart.Host, $"registry '{host}' is not a valid host[:port]");
            }
        }

        if (CheckPath(path) is { } pathError)
        {
            return (ImageReferencePart.Name, pathError);
        }

        reference = new ParsedImageReference(host, path, tag, digest);
        return null;
    }

    /// <summary>
    /// Null when <paramref name="path"/> is a repository path of the grammar (components of lowercase letters and
    /// digits joined by <c>.</c>, <c>_</c>, <c>__</c> or dashes, separated by <c>/</c>), else what is wrong with it.
    /// </summary>
    public static string? CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0)
            {
                return "repository path components cannot be empty (no leading, trailing or doubled '/')";
            }

            if (component is "." or "..")
            {
                return $"path component '{component}' is not allowed";
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

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\z")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\\z")]
    private static partial Regex ComponentPattern();

    [GeneratedRegex("^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?\\z")]
    private static partial Regex HostPattern();
}
