using System.Security.Cryptography;

namespace ClusterKit.Worker.Images;

/// <summary>Content digests in the "sha256:&lt;64 hex&gt;" form used for image ids, manifests, blobs and diff ids.</summary>
public static class Digests
{
    public const string Prefix = "sha256:";

    public static string Of(ReadOnlySpan<byte> content) => Prefix + Convert.ToHexStringLower(SHA256.HashData(content));

    public static string FromHash(byte[] hash) => Prefix + Convert.ToHexStringLower(hash);

    /// <summary>True for "sha256:" followed by exactly 64 lowercase hex digits.</summary>
    public static bool IsValid(string? digest) =>
        digest is not null && digest.Length == Prefix.Length + 64 && digest.StartsWith(Prefix, StringComparison.Ordinal) && IsLowerHex(digest.AsSpan(Prefix.Length));

    /// <summary>The 64 hex digits of a valid digest; throws on anything else (a digest from a manifest is untrusted input).</summary>
    public static string Hex(string digest) =>
        IsValid(digest)
            ? digest[Prefix.Length..]
            : throw new ImageStoreException(ImageErrorKind.CorruptContent, $"invalid digest '{digest}': expected sha256: followed by 64 lowercase hex digits");

    internal static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
