using System.Diagnostics.CodeAnalysis;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Registry.Names;

/// <summary>
/// A repository name in the cluster registry: path components of lowercase letters and digits joined by
/// <c>.</c>, <c>_</c>, <c>__</c> or dashes, separated by <c>/</c>, at most <see cref="MaxLength"/> characters.
/// The grammar leaves no room for <c>..</c>, empty components or a leading <c>/</c>, which is what keeps a name
/// safe to use in a path or a store key.
/// </summary>
public sealed record RepositoryName
{
    /// <summary>The longest name accepted (the distribution registry's limit; the spec leaves it to registries).</summary>
    public const int MaxLength = 255;

    private RepositoryName(string value)
    {
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value;

    public static RepositoryName Parse(string? text) =>
        TryParse(text, out var name, out var error) ? name : throw new RegistryException(RegistryErrorCode.NameInvalid, error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out RepositoryName? name, [NotNullWhen(false)] out string? error)
    {
        name = null;
        error = Check(text ?? string.Empty);
        if (error is not null)
        {
            error = $"invalid repository name '{text}': {error}";
            return false;
        }

        name = new RepositoryName(text!);
        return true;
    }

    private static string? Check(string text)
    {
        if (text.Length == 0)
        {
            return "the name is empty";
        }

        if (text.Length > MaxLength)
        {
            return $"the name is {text.Length} characters; the limit is {MaxLength}";
        }

        // The components are the grammar of every image reference (Shared), so a name a user types and a name a
        // client sends are judged alike.
        return ParsedImageReference.CheckPath(text);
    }
}
