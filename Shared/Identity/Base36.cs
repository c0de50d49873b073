using System.Numerics;

namespace ClusterKit.Shared.Identity;

/// <summary>Fixed-width lowercase base36, the compact alphabet of join tokens and ids (no padding characters).</summary>
internal static class Base36
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Characters needed for <paramref name="byteCount"/> bytes: ceil(8n / log2 36).</summary>
    public static int Width(int byteCount) => (int)Math.Ceiling(byteCount * 8 / Math.Log2(36));

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var chars = new char[Width(bytes.Length)];
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            value = BigInteger.DivRem(value, 36, out var digit);
            chars[i] = Alphabet[(int)digit];
        }

        return new string(chars);
    }

    public static bool IsBase36(string text)
    {
        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'z')))
            {
                return false;
            }
        }

        return true;
    }
}
