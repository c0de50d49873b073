using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Auth;

/// <summary>The claims of a registry bearer token: who it was issued to, what it may do where, and when it is valid.</summary>
public sealed record RegistryToken(string Subject, IReadOnlyList<RegistryScope> Scopes, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>How long a token lives unless the issuer says otherwise: long enough for one push, short enough not to be worth stealing.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The <c>iss</c> and <c>aud</c> of every token, and the <c>service</c> of the challenge.</summary>
    public const string Service = "clusterkit";

    /// <summary>Whether the token allows <paramref name="action"/> on <paramref name="repository"/> (null: the registry as a whole, e.g. <c>/v2/</c>).</summary>
    public bool Allows(RegistryAction action, RepositoryName? repository) => repository is null
        ? action == RegistryAction.Read
        : Scopes.Any(s => s.Repository == repository && s.Allows(action));
}
