using System.Security.Cryptography;
using System.Text;

namespace ClusterKit.Manager.Registry.Auth;

/// <summary>
/// A registry credential's secret as it is kept in the store: salted PBKDF2-HMAC-SHA256, never the secret itself.
/// Checking takes constant time in the compared bytes.
/// </summary>
public sealed record CredentialSecretHash(byte[] Salt, int Iterations, byte[] Hash)
{
    public const int DefaultIterations = 100_000;
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
