using System.Text.RegularExpressions;
using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>
/// Credentials of standard registry clients in the replicated store: created with a random secret shown once (only a
/// salted PBKDF2 hash is stored), listed, revoked (deleted), and checked by the token endpoint.
/// </summary>
internal sealed partial class RegistryCredentials(IStore store, TimeProvider time)
{
    /// <summary>What an unknown user's secret is checked against: made once, it costs what a new credential's check costs.</summary>
    private static readonly CredentialSecretHash NoUser = CredentialSecretHash.Of("not a user");

    /// <summary>A new credential; an <see cref="ArgumentException"/> for a bad name, a <see cref="StoreConflictException"/> if it exists.</summary>
    public async Task<(RegistryCredential Credential, string Secret)> CreateAsync(string name, bool push, string createdBy, CancellationToken cancellationToken)
    {
        CheckName(name);
        var secret = CredentialSecretHash.NewSecret();
        var hash = CredentialSecretHash.Of(secret);
        var row = new RegistryCredential
        {
            Id = name,
            SecretSalt = ByteString.CopyFrom(hash.Salt),
            SecretIterations = hash.Iterations,
            SecretHash = ByteString.CopyFrom(hash.Hash),
            Push = push,
            CreatedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            CreatedBy = createdBy,
        };
        await store.UpdateAsync(tx => tx.Create(row), cancellationToken);
        return (row, secret);
    }

    public async Task<IReadOnlyList<RegistryCredential>> ListAsync(CancellationToken cancellationToken) =>
        await store.ReadAsync<IReadOnlyList<RegistryCredential>>(tx => [.. tx.List<RegistryCredential>().OrderBy(c => c.Id, StringComparer.Ordinal)], cancellationToken);

    /// <summary>Deletes the credential; false when there is none of that name (a transaction without a change is refused).</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken)
    {
        if (await store.ReadAsync(tx => tx.Get<RegistryCredential>(name), cancellationToken) is null)
        {
            return false;
        }

        try
        {
            await store.UpdateAsync(tx => tx.Delete<RegistryCredential>(name), cancellationToken);
            return true;
        }
        catch (StoreConflictException)
        {
            // Revoked by someone else meanwhile.
            return false;
        }
    }

    /// <summary>The credential if the user exists (as of now, linearizably: a revoke is seen at once) and the secret matches.</summary>
    public async Task<RegistryCredential?> CheckAsync(BasicCredentials presented, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var row = await store.ReadAsync(tx => tx.Get<RegistryCredential>(presented.User), cancellationToken);
        if (row is null)
        {
            // As much work as a wrong secret, so that a probe cannot tell which users exist.
            _ = NoUser.Matches(presented.Secret);
            return null;
        }

        var hash = new CredentialSecretHash(row.SecretSalt.ToByteArray(), row.SecretIterations, row.SecretHash.ToByteArray());
        return hash.Matches(presented.Secret) ? row : null;
    }

    public static void CheckName(string? name)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"registry credential name '{name}' is invalid: use 1 to 64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
