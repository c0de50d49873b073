using System.Security.Cryptography;
using System.Text;

namespace ClusterKit.Manager.Registry.Auth;

/// <summary>
/// A registry credential's secret as it is kept in the store: salted PBKDF2-HMAC-SHA256, never the secret itself.
/// Checking takes constant time in the compared bytes.
/// </summary>
public sealed record CredentialSecretHash(byte[] Salt, int Iterations, byte[] Hash)
{
    /// <summary>
    /// One round for new credentials. Their secrets are 256 random bits the manager made (<see cref="NewSecret"/>),
    /// never a person's password, so there is no dictionary for key stretching to slow down, while each of the
    /// 100 000 rounds used before cost every login 50-150 ms of CPU (about a tenth of a 200 MB pull in bench/registry).
    /// Hashes stored with more rounds keep them and still match.
    /// </summary>
    public const int DefaultIterations = 1;
    private const int SaltSize = 16;
    private const int HashSize = 32;

    /// <summary>A new random secret to hand out once (32 random bytes, base64url: 43 characters).</summary>
    public static string NewSecret() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static CredentialSecretHash Of(string secret, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        return new CredentialSecretHash(salt, iterations, Derive(secret, salt, iterations));
    }

    public bool Matches(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || Salt.Length == 0 || Iterations < 1 || Hash.Length != HashSize)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(secret, Salt, Iterations), Hash);
    }

    private static byte[] Derive(string secret, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, HashSize);
}
