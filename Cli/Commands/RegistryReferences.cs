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
}
