using ClusterKit.Shared.Images;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Commands;

/// <summary>
/// Where <c>ck image push|pull</c> go: with <c>--registry HOST:PORT</c> the reference's own registry
/// (if any) is replaced by it, and a one-part name lives under library/ (busybox -> HOST:PORT/library/busybox).
/// </summary>
internal static class RegistryReferences
{
    /// <exception cref="SpecFormatException">The reference is not one (with --registry, where it is read here).</exception>
    public static string On(string reference, string? registry)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var text = reference.Trim();
        if (string.IsNullOrEmpty(registry))
        {
            return text;
        }

        if (!ParsedImageReference.TryParse(text, out var parsed, out var error))
        {
            throw new SpecFormatException(error.Message);
        }

        return $"{registry.Trim().TrimEnd('/')}/{parsed.WithHost(null).WithPath(parsed.LibraryPath)}";
    }

    /// <summary>
    /// The cluster registry's repository a reference names when it names no registry host (<c>busybox</c> is
    /// <c>library/busybox</c>, <c>team/app:v1</c> is <c>team/app</c>); null when its first component is a host.
    /// </summary>
    /// <exception cref="SpecFormatException">The reference is not one.</exception>
    public static string? ClusterRepository(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!ParsedImageReference.TryParse(reference.Trim(), out var parsed, out var error))
        {
            throw new SpecFormatException(error.Message);
        }

        return parsed.Host is null ? parsed.LibraryPath : null;
    }
}
