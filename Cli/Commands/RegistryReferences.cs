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
}
