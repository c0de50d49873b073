namespace ClusterKit.Cli.Commands;

/// <summary>
/// Where <c>ck image push|pull</c> go: with <c>--registry HOST:PORT</c> the reference's own registry
/// (if any) is replaced by it, and a one-part name lives under library/ (busybox -> HOST:PORT/library/busybox).
/// </summary>
internal static class RegistryReferences
{
    public static string On(string reference, string? registry)
    {
        var text = reference.Trim();
        if (string.IsNullOrEmpty(registry))
        {
            return text;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && text[..slash] is var first && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            text = text[(slash + 1)..];
        }

        var name = text.Split('@', 2)[0];
        var nameEnd = name.LastIndexOf(':') > name.LastIndexOf('/') ? name.LastIndexOf(':') : name.Length;
        if (!name[..nameEnd].Contains('/', StringComparison.Ordinal))
        {
            text = "library/" + text;
        }

        return $"{registry.Trim().TrimEnd('/')}/{text}";
    }

    /// <summary>
    /// The cluster registry's repository a reference names when it names no registry host (<c>busybox</c> is
    /// <c>library/busybox</c>, <c>team/app:v1</c> is <c>team/app</c>); null when its first component is a host.
    /// </summary>
    public static string? ClusterRepository(string reference)
    {
        var text = reference.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && text[..slash] is var first && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            return null;
        }

        var name = text.Split('@', 2)[0];
        var nameEnd = name.LastIndexOf(':') > name.LastIndexOf('/') ? name.LastIndexOf(':') : name.Length;
        name = name[..nameEnd];
        return name.Contains('/', StringComparison.Ordinal) ? name : "library/" + name;
    }
}
