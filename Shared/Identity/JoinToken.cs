using System.Diagnostics.CodeAnalysis;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>A join token, <c>CKTKN-1-&lt;CA digest&gt;-&lt;secret&gt;</c>: the secret proves the joiner may join, the digest pins the cluster's root CA.</summary>
public sealed record JoinToken
{
    private const string Prefix = "CKTKN";
    private const int FormatVersion = 1;
    private const int SecretBytes = 16;
    private const string Expected = "CKTKN-1-<CA digest>-<secret>; get a token with `ck cluster join-token worker` on a manager";

    public JoinToken(string caDigest, string secret)
    {
        var error = PartError(caDigest, "CA digest", CertificateDigest.Length) ?? PartError(secret, "secret", SecretLength);
        if (error is not null)
        {
            throw new ArgumentException(error);
        }

        CaDigest = caDigest;
        Secret = secret;
    }

    /// <summary>Characters in a secret (128 random bits in base36).</summary>
    public static int SecretLength { get; } = Base36.Width(SecretBytes);

    /// <summary>The <see cref="CertificateDigest"/> of the root CA this token pins.</summary>
    public string CaDigest { get; }

    public string Secret { get; }

    /// <summary>A new 128-bit secret; <paramref name="random"/> lets tests make it reproducible.</summary>
    public static string NewSecret(RandomNumberGenerator? random = null)
    {
        Span<byte> bytes = stackalloc byte[SecretBytes];
        if (random is null)
        {
            RandomNumberGenerator.Fill(bytes);
        }
        else
        {
            random.GetBytes(bytes);
        }

        return Base36.Encode(bytes);
    }

    public static JoinToken Parse(string text) =>
        TryParse(text, out var token, out var error) ? token : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out JoinToken? token, [NotNullWhen(false)] out string? error)
    {
        token = null;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            error = $"join token is empty; expected {Expected}";
            return false;
        }

        // The secret is never echoed back: errors name the part that is wrong, not its value.
        var parts = value.Split('-');
        if (!parts[0].Equals(Prefix, StringComparison.Ordinal))
        {
            error = $"join token does not start with '{Prefix}-' (it starts with '{Shorten(parts[0])}'); expected {Expected}";
            return false;
        }

        if (parts.Length != 4)
        {
            error = $"join token has {parts.Length} '-'-separated parts, not 4; expected {Expected}";
            return false;
        }

        if (parts[1] != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            error = $"join token version '{Shorten(parts[1])}' is not supported; this node understands version {FormatVersion}";
            return false;
        }

        error = PartError(parts[2], "CA digest", CertificateDigest.Length) ?? PartError(parts[3], "secret", SecretLength);
        if (error is not null)
        {
            error = "join token " + error;
            return false;
        }

        token = new JoinToken(parts[2], parts[3]);
        return true;
    }

    /// <summary>True if <paramref name="caCertificate"/> is the root this token pins.</summary>
    public bool Pins(X509Certificate2 caCertificate) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(CertificateDigest.Of(caCertificate)),
            System.Text.Encoding.ASCII.GetBytes(CaDigest));

    /// <summary>Throws unless the CA certificate a manager sent (over a not yet trusted connection) is the one the token pins.</summary>
    public void VerifyCaCertificate(X509Certificate2 caCertificate, string sentBy)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        if (!Pins(caCertificate))
        {
            throw new AuthenticationException(
                $"the CA certificate sent by {sentBy} has digest {CertificateDigest.Of(caCertificate)}, but the join token pins {CaDigest}; " +
                "it is not a manager of the token's cluster, or the cluster's CA was rotated (ask a manager for the current token)");
        }
    }

    public override string ToString() => $"{Prefix}-{FormatVersion}-{CaDigest}-{Secret}";

    private static string? PartError(string? part, string what, int length)
    {
        if (part is null || part.Length != length)
        {
            return $"{what} has {part?.Length ?? 0} characters; expected {length} base36 characters (0-9, a-z)";
        }

        return Base36.IsBase36(part) ? null : $"{what} contains a character outside base36; expected {length} of 0-9, a-z";
    }

    private static string Shorten(string text) => text.Length <= 12 ? text : text[..12] + "...";
}
