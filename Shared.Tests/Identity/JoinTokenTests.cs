using System.Security.Authentication;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Shared.Tests.Identity;

public sealed class JoinTokenTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = TestCertificates.Clock();

    private static readonly string Digest = new('a', 50);
    private static readonly string Secret = new('7', 25);

    [Fact]
    public void A_token_is_CKTKN_version_digest_and_secret_and_parses_back()
    {
        var secret = JoinToken.NewSecret();
        var token = new JoinToken(Digest, secret);

        Assert.Equal($"CKTKN-1-{Digest}-{secret}", token.ToString());
        Assert.Equal(25, secret.Length);
        Assert.Equal(50, CertificateDigest.Length);
        Assert.Equal(token, JoinToken.Parse(token.ToString()));
        Assert.Equal(token, JoinToken.Parse("  " + token + "\n"));
    }

    [Fact]
    public void New_secrets_are_random_base36()
    {
        var secrets = Enumerable.Range(0, 50).Select(_ => JoinToken.NewSecret()).ToHashSet();

        Assert.Equal(50, secrets.Count);
        Assert.All(secrets, s => Assert.Matches("^[0-9a-z]{25}$", s));
    }

    [Theory]
    [InlineData("", "join token is empty")]
    [InlineData("SWMTKN-1-abc-def", "does not start with 'CKTKN-' (it starts with 'SWMTKN')")]
    [InlineData("CKTKN-1-abc", "has 3 '-'-separated parts, not 4")]
    [InlineData("CKTKN-2-{digest}-{secret}", "version '2' is not supported; this node understands version 1")]
    [InlineData("CKTKN-1-{short}-{secret}", "CA digest has 49 characters; expected 50 base36 characters")]
    [InlineData("CKTKN-1-{digest}-{upper}", "secret contains a character outside base36")]
    [InlineData("CKTKN-1-{digest}-{long}", "secret has 26 characters; expected 25")]
    public void Parse_names_what_is_wrong_in_one_line(string text, string expected)
    {
        text = text.Replace("{digest}", Digest, StringComparison.Ordinal)
            .Replace("{short}", Digest[1..], StringComparison.Ordinal)
            .Replace("{secret}", Secret, StringComparison.Ordinal)
            .Replace("{upper}", Secret.ToUpperInvariant().Replace('7', 'Q'), StringComparison.Ordinal)
            .Replace("{long}", Secret + "0", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => JoinToken.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(JoinToken.TryParse(text, out _, out var tryError));
        Assert.Equal(error.Message, tryError);
    }

    [Fact]
    public void Errors_never_echo_the_secret()
    {
        var secret = "zz" + Secret[2..] + "x";

        var error = Assert.Throws<FormatException>(() => JoinToken.Parse($"CKTKN-1-{Digest}-{secret}"));

        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_pins_exactly_its_CA_certificate()
    {
        var clusterId = TestCertificates.NewClusterId();
        using var ca = TestCertificates.Root(_clock, clusterId);
        using var other = TestCertificates.Root(_clock, clusterId);
        var token = new JoinToken(CertificateDigest.Of(ca), Secret);

        Assert.True(token.Pins(ca));
        Assert.False(token.Pins(other));
        token.VerifyCaCertificate(ca, "127.0.0.1:4242");
        var error = Assert.Throws<AuthenticationException>(() => token.VerifyCaCertificate(other, "127.0.0.1:4242"));
        Assert.Contains($"the CA certificate sent by 127.0.0.1:4242 has digest {CertificateDigest.Of(other)}, but the join token pins {token.CaDigest}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_digest_is_base36_of_the_sha256_of_the_DER()
    {
        using var ca = TestCertificates.Root(_clock, TestCertificates.NewClusterId());
        var hash = System.Security.Cryptography.SHA256.HashData(ca.RawData);
        var value = new System.Numerics.BigInteger(hash, isUnsigned: true, isBigEndian: true);

        var digest = CertificateDigest.Of(ca);

        Assert.Matches("^[0-9a-z]{50}$", digest);
        var back = digest.Aggregate(System.Numerics.BigInteger.Zero, (v, c) => (v * 36) + "0123456789abcdefghijklmnopqrstuvwxyz".IndexOf(c, StringComparison.Ordinal));
        Assert.Equal(value, back);
    }
}
