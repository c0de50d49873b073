using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ClusterKit.Manager.Registry.Auth;

/// <summary>
/// Signs registry tokens and checks them: a compact JWT (<c>header.claims.signature</c>, base64url) with HMAC-SHA256
/// under a key every manager derives alike, so that a token from one manager passes on all. The claims are the token
/// spec's: <c>iss</c>, <c>aud</c>, <c>sub</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c> and <c>access</c> (repository scopes).
/// </summary>
public sealed class RegistryTokenSigner
{
    public const int MinimumKeySize = 32;

    /// <summary>How far a manager's clock may be behind the issuer's and still accept a token issued "now".</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly byte[] HeaderJson = """{"alg":"HS256","typ":"JWT"}"""u8.ToArray();
    private static readonly string Header = Base64Url.EncodeToString(HeaderJson);
    private readonly byte[] _key;

    public RegistryTokenSigner(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeySize)
        {
            throw new ArgumentException($"a registry token key is at least {MinimumKeySize} bytes, not {key.Length}", nameof(key));
        }

        _key = key.ToArray();
    }

    public string Sign(RegistryToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var signed = Header + "." + Base64Url.EncodeToString(Claims(token));
        return signed + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signed)));
    }

    /// <summary>The token's claims if its signature is this key's and it is valid at <paramref name="now"/>; otherwise why not.</summary>
    public bool TryVerify(string? text, DateTimeOffset now, [NotNullWhen(true)] out RegistryToken? token, [NotNullWhen(false)] out string? error)
    {
        token = null;
        var parts = (text ?? string.Empty).Split('.');
        if (parts.Length != 3 || !TryDecode(parts[0], out var header) || !TryDecode(parts[1], out var claims) || !TryDecode(parts[2], out var signature))
        {
            error = "the bearer token is malformed: expected three base64url parts (header.claims.signature)";
            return false;
        }

        var expected = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            error = "the bearer token's signature does not verify: it was altered, or issued by another cluster";
            return false;
        }

        if (!header.AsSpan().SequenceEqual(HeaderJson))
        {
            error = "the bearer token's header is not this registry's (HS256 JWT)";
            return false;
        }

        if (!TryRead(claims, out token, out error))
        {
            return false;
        }

        if (now >= token.ExpiresAt)
        {
            error = $"the bearer token expired at {token.ExpiresAt:u}; log in again for a new one";
            token = null;
            return false;
        }

        if (token.IssuedAt > now + ClockSkew)
        {
            error = $"the bearer token is not valid before {token.IssuedAt:u}";
            token = null;
            return false;
        }

        return true;
    }

    private static byte[] Claims(RegistryToken token)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("iss", RegistryToken.Service);
            json.WriteString("aud", RegistryToken.Service);
            json.WriteString("sub", token.Subject);
            json.WriteNumber("iat", token.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", token.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", token.ExpiresAt.ToUnixTimeSeconds());
            json.WriteStartArray("access");
            foreach (var scope in token.Scopes)
            {
                json.WriteStartObject();
                json.WriteString("type", "repository");
                json.WriteString("name", scope.Repository.Value);
                json.WriteStartArray("actions");
                foreach (var action in scope.Actions.Order(StringComparer.Ordinal))
                {
                    json.WriteStringValue(action);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static bool TryRead(byte[] claims, [NotNullWhen(true)] out RegistryToken? token, [NotNullWhen(false)] out string? error)
    {
        token = null;
        try
        {
            using var document = JsonDocument.Parse(claims);
            var root = document.RootElement;
            if (root.GetProperty("aud").GetString() != RegistryToken.Service || root.GetProperty("iss").GetString() != RegistryToken.Service)
            {
                error = $"the bearer token is not for this registry (iss and aud must be '{RegistryToken.Service}')";
                return false;
            }

            var scopes = new List<RegistryScope>();
            foreach (var access in root.GetProperty("access").EnumerateArray())
            {
                var text = $"{access.GetProperty("type").GetString()}:{access.GetProperty("name").GetString()}:{string.Join(',', access.GetProperty("actions").EnumerateArray().Select(a => a.GetString()))}";
                if (!RegistryScope.TryParse(text, out var scope, out var scopeError))
                {
                    error = "the bearer token's access claim is invalid: " + scopeError;
                    return false;
                }

                scopes.Add(scope);
            }

            token = new RegistryToken(
                root.GetProperty("sub").GetString() ?? throw new InvalidOperationException("sub is null"),
                scopes,
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64()),
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64()));
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            error = $"the bearer token's claims are invalid: {e.Message}";
            return false;
        }
    }

    private static bool TryDecode(string part, out byte[] bytes)
    {
        bytes = [];
        if (part.Length == 0 || !Base64Url.IsValid(part))
        {
            return false;
        }

        bytes = Base64Url.DecodeFromChars(part);
        return true;
    }
}
