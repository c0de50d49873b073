using ClusterKit.Shared.Images;

namespace ClusterKit.Worker.Images.References;

/// <summary>
/// A parsed image reference, <c>[domain[:port]/]path[:tag][@sha256:hex]</c>, normalised as Docker
/// does: no domain means docker.io, and a one-component docker.io path lives under library/.
/// <see cref="ToString"/> gives the short familiar form (busybox:latest), <see cref="Canonical"/>
/// the full one (docker.io/library/busybox:latest) that the store keeps.
/// </summary>
public sealed record ImageReference
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = ParsedImageReference.DefaultTag;
    private const string LibraryPrefix = ParsedImageReference.LibraryPrefix;

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

    /// <summary>The grammar is Shared's (one for the worker, ck and the registry); the worker adds docker.io, library/ and its own rules.</summary>
    private static string? Validate(string text, out ImageReference? reference)
    {
        reference = null;
        if (!ParsedImageReference.TryParse(text, out var parsed, out var error))
        {
            return error.Reason;
        }

        if (parsed.Digest is { } digest && !Digests.IsValid(digest))
        {
            return "the digest must be sha256: followed by 64 lowercase hex digits";
        }

        var domain = parsed.Host is null or "index.docker.io" ? DefaultDomain : parsed.Host;
        if (domain == DefaultDomain && parsed.Host is null && parsed.Path.Length == 64 && Digests.IsLowerHex(parsed.Path))
        {
            return "a 64-character hexadecimal name is reserved for image ids";
        }

        var path = domain == DefaultDomain ? parsed.LibraryPath : parsed.Path;
        reference = new ImageReference(domain, path, parsed.Tag, parsed.Digest);
        return null;
    }
}
