using System.Buffers.Text;
using System.Text;
using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Tests.Registry.Auth;

public sealed class RegistryTokenSignerTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static RegistryToken Claims(params string[] scopes) =>
        new("ci-bot", [.. scopes.Select(RegistryScope.Parse)], Now, Now + RegistryToken.DefaultLifetime);

    [Fact]
    public void A_signed_token_verifies_with_its_subject_scopes_and_times()
    {
        var signer = new RegistryTokenSigner(Key);
        var token = signer.Sign(Claims("repository:team/app:pull,push"));

        Assert.True(signer.TryVerify(token, Now.AddMinutes(1), out var claims, out var error), error);
        Assert.Equal("ci-bot", claims.Subject);
        Assert.Equal(Now, claims.IssuedAt);
        Assert.Equal(Now + RegistryToken.DefaultLifetime, claims.ExpiresAt);
        Assert.True(claims.Allows(RegistryAction.Push, RepositoryName.Parse("team/app")));
        Assert.False(claims.Allows(RegistryAction.Delete, RepositoryName.Parse("team/app")));
        Assert.False(claims.Allows(RegistryAction.Read, RepositoryName.Parse("team/other")));
        Assert.True(claims.Allows(RegistryAction.Read, null));
    }

    [Fact]
    public void An_expired_token_is_refused_from_its_expiry_on()
    {
        var signer = new RegistryTokenSigner(Key);
        var token = signer.Sign(Claims("repository:a:pull"));

        Assert.True(signer.TryVerify(token, Now + RegistryToken.DefaultLifetime - TimeSpan.FromSeconds(1), out _, out _));
        Assert.False(signer.TryVerify(token, Now + RegistryToken.DefaultLifetime, out _, out var error));
        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_issued_in_the_future_beyond_the_clock_skew_is_refused()
    {
        var signer = new RegistryTokenSigner(Key);
        var token = signer.Sign(Claims("repository:a:pull"));

        Assert.False(signer.TryVerify(token, Now - TimeSpan.FromMinutes(2), out _, out var error));
        Assert.Contains("not valid before", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_signed_with_another_key_is_refused()
    {
        var other = (byte[])Key.Clone();
        other[0] ^= 1;
        var token = new RegistryTokenSigner(other).Sign(Claims("repository:a:pull"));

        Assert.False(new RegistryTokenSigner(Key).TryVerify(token, Now, out _, out var error));
        Assert.Contains("signature does not verify", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tampered_claims_are_refused_even_with_the_original_signature()
    {
        var signer = new RegistryTokenSigner(Key);
        var parts = signer.Sign(Claims("repository:a:pull")).Split('.');
        var claims = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("\"pull\"", "\"push\"", StringComparison.Ordinal);
        var forged = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims)) + "." + parts[2];

        Assert.False(signer.TryVerify(forged, Now, out _, out var error));
        Assert.Contains("signature does not verify", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_validly_signed_token_with_another_header_or_bad_claims_is_refused()
    {
        var signer = new RegistryTokenSigner(Key);
        var none = Sign("""{"alg":"none"}""", """{"iss":"clusterkit","aud":"clusterkit","sub":"x","iat":0,"exp":9999999999,"access":[]}""");
        var badScope = Sign("""{"alg":"HS256","typ":"JWT"}""", """{"iss":"clusterkit","aud":"clusterkit","sub":"x","iat":0,"exp":9999999999,"access":[{"type":"repository","name":"../x","actions":["pull"]}]}""");
        var otherAudience = Sign("""{"alg":"HS256","typ":"JWT"}""", """{"iss":"clusterkit","aud":"elsewhere","sub":"x","iat":0,"exp":9999999999,"access":[]}""");
        var notJson = Sign("""{"alg":"HS256","typ":"JWT"}""", "not json");

        Assert.False(signer.TryVerify(none, Now, out _, out var error));
        Assert.Contains("header", error, StringComparison.Ordinal);
        Assert.False(signer.TryVerify(badScope, Now, out _, out error));
        Assert.Contains("access claim is invalid", error, StringComparison.Ordinal);
        Assert.False(signer.TryVerify(otherAudience, Now, out _, out error));
        Assert.Contains("not for this registry", error, StringComparison.Ordinal);
        Assert.False(signer.TryVerify(notJson, Now, out _, out error));
        Assert.Contains("claims are invalid", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!.??.**")]
    public void A_malformed_token_is_refused_as_malformed(string? text)
    {
        Assert.False(new RegistryTokenSigner(Key).TryVerify(text, Now, out _, out var error));
        Assert.Contains("malformed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_key_is_refused() =>
        Assert.Contains("at least 32 bytes", Assert.Throws<ArgumentException>(() => new RegistryTokenSigner(new byte[16])).Message, StringComparison.Ordinal);

    private static string Sign(string header, string claims)
    {
        var signed = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims));
        return signed + "." + Base64Url.EncodeToString(System.Security.Cryptography.HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(signed)));
    }
}
