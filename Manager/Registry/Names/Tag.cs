using System.Text.RegularExpressions;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Names;

/// <summary>Tags: 1 to 128 of <c>[A-Za-z0-9_.-]</c>, not starting with <c>.</c> or <c>-</c>.</summary>
public static partial class Tag
{
    public const string Latest = "latest";

    public static bool IsValid(string? text) => text is not null && TagPattern().IsMatch(text);

    /// <summary>Null when <paramref name="text"/> is a valid tag, else what is wrong with it.</summary>
    public static string? Check(string? text) =>
        IsValid(text) ? null : $"invalid tag '{text}': a tag is 1-128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'";

    public static string Parse(string? text) =>
        Check(text) is { } error ? throw new RegistryException(RegistryErrorCode.ManifestInvalid, error) : text!;

    [GeneratedRegex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\\z")]
    private static partial Regex TagPattern();
}
