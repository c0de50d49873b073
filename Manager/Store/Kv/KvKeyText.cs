using System.Text;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>A key as error messages show it: quoted UTF-8 when it is text, else hex; long keys cut.</summary>
internal static class KvKeyText
{
    private const int MaxShown = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Show(ByteString key)
    {
        var bytes = key.Span[..Math.Min(key.Length, MaxShown)];
        var cut = key.Length > MaxShown ? $"... ({key.Length} bytes)" : string.Empty;
        try
        {
            var text = StrictUtf8.GetString(bytes);
            if (!text.Any(char.IsControl))
            {
                return $"key \"{text}\"{cut}";
            }
        }
        catch (DecoderFallbackException)
        {
            // Not text (or cut inside a character): hex below.
        }

        return $"key 0x{Convert.ToHexStringLower(bytes)}{cut}";
    }
}
