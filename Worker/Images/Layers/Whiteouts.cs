namespace ClusterKit.Worker.Images.Layers;

/// <summary>What a layer tar entry name means for the union of layers.</summary>
internal enum WhiteoutKind
{
    /// <summary>An ordinary entry.</summary>
    None,

    /// <summary><c>dir/.wh.NAME</c>: NAME is deleted in this layer.</summary>
    Remove,

    /// <summary><c>dir/.wh..wh..opq</c>: the lower layers' contents of dir are hidden.</summary>
    Opaque,

    /// <summary>Other <c>.wh..wh.</c> names (AUFS bookkeeping such as .wh..wh.plnk): skipped.</summary>
    Metadata,
}

/// <summary>
/// The two whiteout vocabularies: AUFS-style names inside layer tars, and overlayfs' own
/// (a 0/0 character device for a deleted name, trusted.overlay.opaque=y on a directory).
/// </summary>
internal static class Whiteouts
{
    public const string Prefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";
    public const string MetadataPrefix = ".wh..wh.";
    public const string OverlayOpaqueAttribute = "trusted.overlay.opaque";
    public const string OverlayAttributePrefix = "trusted.overlay.";

    /// <summary>Classifies a normalised entry path; <paramref name="target"/> is the path the whiteout acts on.</summary>
    public static WhiteoutKind Classify(string path, out string target)
    {
        var slash = path.LastIndexOf('/');
        var directory = slash < 0 ? string.Empty : path[..slash];
        var name = path[(slash + 1)..];
        target = path;
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return WhiteoutKind.None;
        }

        if (name == OpaqueMarker)
        {
            target = directory;
            return WhiteoutKind.Opaque;
        }

        if (name.StartsWith(MetadataPrefix, StringComparison.Ordinal))
        {
            return WhiteoutKind.Metadata;
        }

        target = Join(directory, name[Prefix.Length..]);
        return WhiteoutKind.Remove;
    }

    /// <summary>The tar path that records the deletion of <paramref name="path"/>.</summary>
    public static string RemovalEntryFor(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? Prefix + path : path[..(slash + 1)] + Prefix + path[(slash + 1)..];
    }

    /// <summary>The tar path that marks directory <paramref name="directory"/> opaque.</summary>
    public static string OpaqueEntryFor(string directory) => Join(directory, OpaqueMarker);

    /// <summary>overlayfs records a deletion as a character device with device number 0/0.</summary>
    public static bool IsOverlayWhiteout(Host.FileStatus status) =>
        status.Type == Host.FileNodeType.CharacterDevice && status.DeviceMajor == 0 && status.DeviceMinor == 0;

    public static bool IsOpaqueValue(byte[]? value) => value is [(byte)'y', ..] or [(byte)'Y', ..];

    private static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;
}
