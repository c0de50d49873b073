namespace ClusterKit.Manager.Registry.Auth;

/// <summary>
/// The <c>WWW-Authenticate</c> text that starts a standard client's login (the token spec's Bearer challenge): where the
/// token endpoint is, which service to name, and the scope the refused request needed.
/// </summary>
public static class RegistryChallenge
{
    /// <summary>The token endpoint's path on every manager.</summary>
    public const string TokenPath = "/v2/token";

    /// <param name="authority">HOST:PORT the client reached the registry on (the realm is on the same manager).</param>
    /// <param name="scope">The scope the request needed; null for requests on the registry as a whole.</param>
    /// <param name="error">The token spec's error (e.g. <c>invalid_token</c>, <c>insufficient_scope</c>); null when no token was given.</param>
    public static string Bearer(string authority, RegistryScope? scope, string? error = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(authority);
        if (authority.Contains('"', StringComparison.Ordinal) || authority.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{authority}' is not a HOST:PORT", nameof(authority));
        }

        var text = $"Bearer realm=\"https://{authority}{TokenPath}\",service=\"{RegistryToken.Service}\"";
        if (scope is not null)
        {
            text += $",scope=\"{scope}\"";
        }

        return error is null ? text : text + $",error=\"{error}\"";
    }
}
