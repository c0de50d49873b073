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
    public void A_truncated_stored_hash_never_matches() =>
        Assert.False(new CredentialSecretHash(new byte[16], 1000, new byte[5]).Matches("x"));
}
