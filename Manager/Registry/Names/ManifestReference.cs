namespace ClusterKit.Manager.Registry.Names;

/// <summary>The <c>&lt;reference&gt;</c> of a manifest URL: a tag, or a digest (anything with a colon).</summary>
public sealed record ManifestReference
{
    private ManifestReference(string? tag, Digest? digest)
    {
        Tag = tag;
        Digest = digest;
    }

    public string? Tag { get; }

    public Digest? Digest { get; }

    public static ManifestReference ForTag(string tag) => new(Names.Tag.Parse(tag), null);

    public static ManifestReference ForDigest(Digest digest) => new(null, digest);

    /// <summary>Parses a URL's reference; a bad digest is DIGEST_INVALID, a bad tag MANIFEST_INVALID (as the spec's tag rule).</summary>
    public static ManifestReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains(':', StringComparison.Ordinal) ? ForDigest(Names.Digest.Parse(text)) : ForTag(text);
    }

    public override string ToString() => Tag ?? Digest!.ToString();
}
