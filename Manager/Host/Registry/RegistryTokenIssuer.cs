using ClusterKit.Manager.Registry.Auth;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>A token and the claims it carries.</summary>
internal sealed record IssuedRegistryToken(string Token, RegistryToken Claims);

/// <summary>Issues short-lived registry tokens (<see cref="RegistryToken.DefaultLifetime"/>) signed with the cluster's token key.</summary>
internal sealed class RegistryTokenIssuer(RegistryTokenKeys keys, TimeProvider time)
{
    /// <summary>The token; null when this manager holds no token key (locked, or the data key not here yet).</summary>
    public IssuedRegistryToken? TryIssue(string subject, IReadOnlyList<RegistryScope> scopes)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(scopes);
        if (keys.Current is not { } signer)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var claims = new RegistryToken(subject, scopes, now, now + RegistryToken.DefaultLifetime);
        return new IssuedRegistryToken(signer.Sign(claims), claims);
    }
}
