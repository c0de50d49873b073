using System.Diagnostics.CodeAnalysis;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Auth;

/// <summary>What a token may do in one repository: pull, push, delete (the token spec's <c>repository:NAME:ACTIONS</c>).</summary>
public sealed record RegistryScope(RepositoryName Repository, IReadOnlySet<string> Actions)
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    private static readonly HashSet<string> Known = [Pull, Push, Delete, "*"];

    /// <summary>The scope text a client sends back after a challenge, e.g. <c>repository:team/app:pull,push</c>.</summary>
    public override string ToString() => $"repository:{Repository}:{string.Join(',', Actions.Order(StringComparer.Ordinal))}";

    public bool Allows(RegistryAction action) => Actions.Contains("*") || Actions.Contains(ActionName(action));

    public static string ActionName(RegistryAction action) => action switch
    {
        RegistryAction.Read => Pull,
        RegistryAction.Push => Push,
        RegistryAction.Delete => Delete,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown registry action"),
    };

    /// <summary>Parses one scope; a <see cref="FormatException"/> saying what is wrong.</summary>
    public static RegistryScope Parse(string text) => TryParse(text, out var scope, out var error) ? scope : throw new FormatException(error);

    /// <summary>Parses one scope; the error names what is wrong (type, name, action).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out RegistryScope? scope, [NotNullWhen(false)] out string? error)
    {
        scope = null;
        var value = text ?? string.Empty;

        // The name may not hold ':' (nor does RepositoryName allow one): the type is before the first, the actions after the last.
        var first = value.IndexOf(':', StringComparison.Ordinal);
        var last = value.LastIndexOf(':');
        if (first < 0 || last == first)
        {
            error = $"invalid scope '{value}': expected repository:NAME:ACTIONS (e.g. repository:team/app:pull,push)";
            return false;
        }

        var type = value[..first];
        if (type != "repository")
        {
            error = $"invalid scope '{value}': resource type '{type}' is not supported; allowed: repository";
            return false;
        }

        if (!RepositoryName.TryParse(value[(first + 1)..last], out var repository, out var nameError))
        {
            error = $"invalid scope '{value}': {nameError}";
            return false;
        }

        var actions = value[(last + 1)..].Split(',', StringSplitOptions.TrimEntries);
        if (actions.FirstOrDefault(a => !Known.Contains(a)) is { } unknown)
        {
            error = $"invalid scope '{value}': action '{unknown}' is unknown; allowed: pull, push, delete, *";
            return false;
        }

        scope = new RegistryScope(repository, actions.ToHashSet(StringComparer.Ordinal));
        error = null;
        return true;
    }

    /// <summary>
    /// Every <c>scope</c> of a token request (a client may send several, each may be separated by spaces);
    /// the first malformed one is the error.
    /// </summary>
    public static bool TryParseAll(IEnumerable<string?> texts, out IReadOnlyList<RegistryScope> scopes, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var parsed = new List<RegistryScope>();
        scopes = parsed;
        foreach (var text in texts.SelectMany(t => (t ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!TryParse(text, out var scope, out error))
            {
                return false;
            }

            parsed.Add(scope);
        }

        error = null;
        return true;
    }

    /// <summary>These scopes narrowed to what <paramref name="granted"/> allows; repositories with no action left are dropped.</summary>
    /// <remarks>A <c>*</c> stands for every action and is narrowed like them.</remarks>
    public static IReadOnlyList<RegistryScope> Narrow(IEnumerable<RegistryScope> requested, Func<string, bool> granted) =>
        [.. requested
            .Select(s => s with { Actions = Expand(s.Actions).Where(granted).ToHashSet(StringComparer.Ordinal) })
            .Where(s => s.Actions.Count > 0)];

    private static IEnumerable<string> Expand(IReadOnlySet<string> actions) => actions.Contains("*") ? [Pull, Push, Delete] : actions;
}
