using System.Text;

namespace ClusterKit.Shared.Remote;

/// <summary>Text that came from another node or a client: checked before it is stored, escaped before it is printed.</summary>
public static class RemoteText
{
    /// <summary>How much of a refused value an error message quotes.</summary>
    public const int QuoteLimit = 64;

    /// <summary>True when the text has no control characters (no ANSI escapes, no newlines) and no unpaired surrogates.</summary>
    public static bool IsPrintable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) || (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[++i]))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text with every control character written as an escape (\n, \x1b ...), safe to print on a terminal.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || IsPrintable(text))
        {
            return text ?? string.Empty;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    /// <summary>An escaped prefix of the text for an error message, so that a huge value is never echoed back whole.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var escaped = Escape(text.Length > QuoteLimit ? text[..QuoteLimit] : text);
        return text.Length > QuoteLimit ? $"{escaped}... ({text.Length} characters)" : escaped;
    }

    /// <summary>How long a status message may be: it travels in an HTTP/2 header, which clients cap (8-16 KiB).</summary>
    public const int StatusDetailLimit = 2048;

    /// <summary>
    /// An error message fit for a gRPC status detail: escaped, and cut (saying so) when a huge
    /// value it quotes would make it longer than <see cref="StatusDetailLimit"/>.
    /// </summary>
    public static string StatusDetail(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var escaped = Escape(message.Length > StatusDetailLimit ? message[..StatusDetailLimit] : message);
        return message.Length > StatusDetailLimit ? $"{escaped}... (message cut at {StatusDetailLimit} of {message.Length} characters)" : escaped;
    }
}
