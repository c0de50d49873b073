using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ClusterKit.Manager.Registry.Auth;

/// <summary>A user name and secret from an <c>Authorization: Basic</c> header (RFC 7617).</summary>
public sealed record BasicCredentials(string User, string Secret)
{
    public override string ToString() => $"BasicCredentials {{ User = {User} }}";

    public static bool TryParse(string? header, [NotNullWhen(true)] out BasicCredentials? credentials, [NotNullWhen(false)] out string? error)
    {
        credentials = null;
        const string Scheme = "Basic ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = "the token endpoint needs Basic credentials (a user and secret from `ck registry credential create`)";
            return false;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(header[Scheme.Length..].Trim()));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            error = "the Basic credentials are not base64 of UTF-8 'user:secret'";
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == decoded.Length - 1)
        {
            error = "the Basic credentials are not 'user:secret' with both parts present";
            return false;
        }

        credentials = new BasicCredentials(decoded[..colon], decoded[(colon + 1)..]);
        error = null;
        return true;
    }
}
