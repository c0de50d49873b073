using ClusterKit.Manager.Registry.Auth;

namespace ClusterKit.Manager.Tests.Registry.Auth;

public sealed class CredentialSecretHashTests
{
    [Fact]
    public void The_secret_matches_its_hash_and_nothing_else_does()
    {
        var secret = CredentialSecretHash.NewSecret();
        var hash = CredentialSecretHash.Of(secret, iterations: 1000);

        Assert.True(hash.Matches(secret));
        Assert.False(hash.Matches(secret + "x"));
        Assert.False(hash.Matches(string.Empty));
        Assert.False(hash.Matches(null));
        Assert.False(hash with { Iterations = 999 } is var other && other.Matches(secret));
    }

    [Fact]
    public void The_same_secret_hashes_differently_each_time_by_its_salt()
    {
        var a = CredentialSecretHash.Of("s3cret", iterations: 1000);
        var b = CredentialSecretHash.Of("s3cret", iterations: 1000);

        Assert.NotEqual(a.Salt, b.Salt);
        Assert.NotEqual(a.Hash, b.Hash);
        Assert.Equal(43, CredentialSecretHash.NewSecret().Length);
    }

    [Fact]
    public void A_new_credential_is_one_salted_round_and_one_stored_with_many_rounds_still_matches()
    {
        var secret = CredentialSecretHash.NewSecret();
        var stretched = CredentialSecretHash.Of(secret, iterations: 100_000);

        Assert.Equal(1, CredentialSecretHash.Of(secret).Iterations);
        Assert.True(CredentialSecretHash.Of(secret).Matches(secret));
        Assert.True(new CredentialSecretHash(stretched.Salt, 100_000, stretched.Hash).Matches(secret));
        Assert.False(new CredentialSecretHash(stretched.Salt, 1, stretched.Hash).Matches(secret));
    }

    [Fact]
    public void A_truncated_stored_hash_never_matches() =>
        Assert.False(new CredentialSecretHash(new byte[16], 1000, new byte[5]).Matches("x"));
}
