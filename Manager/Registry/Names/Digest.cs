using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Names;

/// <summary>
/// A content digest, <c>algorithm:encoded</c>. The grammar is the spec's; of the algorithms only sha256 (64 lowercase
/// hex) and sha512 (128 lowercase hex) are accepted, since those are the ones the registry can verify.
/// </summary>
public sealed partial record Digest
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public string Algorithm { get; }

    /// <summary>The hash in lowercase hex.</summary>
    public string Encoded { get; }

    public HashAlgorithmName HashName => Algorithm == Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;

    public override string ToString() => Algorithm + ":" + Encoded;

    /// <summary>The sha256 digest of <paramref name="content"/>.</summary>
    public static Digest Of(ReadOnlySpan<byte> content) => new(Sha256, Convert.ToHexStringLower(SHA256.HashData(content)));

    /// <summary>The digest of <paramref name="content"/> under this digest's algorithm (to check bytes against it).</summary>
    public Digest Recompute(ReadOnlySpan<byte> content) =>
        Algorithm == Sha256 ? Of(content) : new Digest(Sha512, Convert.ToHexStringLower(SHA512.HashData(content)));

    /// <summary>A digest from a finished hash of this digest's algorithm.</summary>
    public Digest WithHash(byte[] hash) => new(Algorithm, Convert.ToHexStringLower(hash));

    public static Digest Parse(string? text) =>
        TryParse(text, out var digest, out var error) ? digest : throw new RegistryException(RegistryErrorCode.DigestInvalid, error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out Digest? digest, [NotNullWhen(false)] out string? error)
    {
        digest = null;
        error = Check(text ?? string.Empty);
        if (error is not null)
        {
            error = $"invalid digest '{text}': {error}";
            return false;
        }

        var colon = text!.IndexOf(':', StringComparison.Ordinal);
        digest = new Digest(text[..colon], text[(colon + 1)..]);
        return true;
    }

    private static string? Check(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            return "expected algorithm:hex, e.g. sha256: followed by 64 lowercase hex digits";
        }

        var algorithm = text[..colon];
        var encoded = text[(colon + 1)..];
        if (!AlgorithmPattern().IsMatch(algorithm) || !EncodedPattern().IsMatch(encoded))
        {
            return "expected algorithm:hex, e.g. sha256: followed by 64 lowercase hex digits";
        }

        var length = algorithm switch
        {
            Sha256 => 64,
            Sha512 => 128,
            _ => 0,
        };
        if (length == 0)
        {
            return $"algorithm '{algorithm}' is not supported; use sha256 or sha512";
        }

        return encoded.Length == length && IsLowerHex(encoded)
            ? null
            : $"a {algorithm} digest is {length} lowercase hex digits";
    }

    private static bool IsLowerHex(string text) => text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    [GeneratedRegex("^[a-z0-9]+(?:[+._-][a-z0-9]+)*\\z")]
    private static partial Regex AlgorithmPattern();

    [GeneratedRegex("^[a-zA-Z0-9=_-]+\\z")]
    private static partial Regex EncodedPattern();
}
