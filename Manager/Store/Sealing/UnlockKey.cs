using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ClusterKit.Manager.Store.Sealing;

/// <summary>
/// The autolock unlock key as the operator sees it: <c>CKKEY-1-&lt;43 base64url characters&gt;</c>
/// (256 random bits). It wraps each manager's copy of the data key, and proves to another manager
/// that a locked manager's operator holds it.
/// </summary>
public static class UnlockKey
{
    public const string Prefix = "CKKEY-1-";

    public static string Format(SealingKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Prefix + Base64Url.EncodeToString(key.ExportBytes());
    }

    /// <summary>Parses an unlock key; a one-line error saying what is allowed.</summary>
    public static SealingKey Parse(string text)
    {
        var trimmed = (text ?? string.Empty).Trim();
        if (!trimmed.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"the unlock key must start with {Prefix}; allowed: the key printed by `ck cluster init --autolock` or `ck cluster unlock-key`");
        }

        var body = trimmed[Prefix.Length..];
        var bytes = new byte[SealingKey.Size + 2];
        int written;
        try
        {
            // A cut key can end in a partial group whose spare bits are set: the decoder throws for that.
            if (!Base64Url.TryDecodeFromChars(body, bytes, out written))
            {
                written = -1;
            }
        }
        catch (FormatException)
        {
            written = -1;
        }

        if (written != SealingKey.Size)
        {
            throw new FormatException($"the unlock key {Prefix}... is not {SealingKey.Size} bytes of base64url; allowed: the key printed by `ck cluster init --autolock` or `ck cluster unlock-key`, whole");
        }

        return SealingKey.FromBytes(bytes.AsSpan(0, written));
    }

    /// <summary>What a manager sends to prove it holds <paramref name="unlockKey"/> when it asks for the data key.</summary>
    public static byte[] Proof(SealingKey unlockKey, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(unlockKey);
        return HMACSHA256.HashData(unlockKey.ExportBytes(), Encoding.UTF8.GetBytes("ck-data-key:" + nodeId));
    }

    public static bool IsProof(SealingKey unlockKey, string nodeId, ReadOnlySpan<byte> proof)
        => CryptographicOperations.FixedTimeEquals(Proof(unlockKey, nodeId), proof);
}
