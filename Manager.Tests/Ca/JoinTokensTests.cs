using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Tests.Ca;

public sealed class JoinTokensTests
{
    private static readonly string CaDigest = new('c', 50);

    [Fact]
    public void Each_role_has_its_own_token_that_grants_that_role()
    {
        var tokens = JoinTokens.Create();

        var worker = tokens.Token(NodeRole.Worker, CaDigest);
        var manager = tokens.Token(NodeRole.Manager, CaDigest);

        Assert.NotEqual(worker.Secret, manager.Secret);
        Assert.Equal(NodeRole.Worker, tokens.Verify(worker.ToString(), CaDigest));
        Assert.Equal(NodeRole.Manager, tokens.Verify(manager.ToString(), CaDigest));
        Assert.Contains("there is no join token for role admin", Assert.Throws<ArgumentException>(() => tokens.Token(NodeRole.Admin, CaDigest)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_secret_is_refused()
    {
        var tokens = JoinTokens.Create();
        var wrong = new JoinToken(CaDigest, JoinToken.NewSecret()).ToString();

        var error = Assert.Throws<JoinTokenException>(() => tokens.Verify(wrong, CaDigest));

        Assert.Equal("the token's secret is neither this cluster's worker nor its manager secret; ask a manager for a token with `ck cluster join-token worker` (or `manager`)", error.Message);
    }

    [Theory]
    [InlineData(NodeRole.Worker, "worker")]
    [InlineData(NodeRole.Manager, "manager")]
    public void A_rotated_token_says_it_was_rotated_and_how_to_get_the_current_one(NodeRole role, string name)
    {
        var tokens = JoinTokens.Create();
        var old = tokens.Token(role, CaDigest).ToString();

        var rotated = tokens.Rotate(role);

        var error = Assert.Throws<JoinTokenException>(() => rotated.Verify(old, CaDigest));
        Assert.Equal($"the token was rotated; ask a manager for the current one with `ck cluster join-token {name}`", error.Message);
        Assert.Equal(role, rotated.Verify(rotated.Token(role, CaDigest).ToString(), CaDigest));
        var otherRole = role == NodeRole.Worker ? NodeRole.Manager : NodeRole.Worker;
        Assert.Equal(tokens.Token(otherRole, CaDigest), rotated.Token(otherRole, CaDigest));
    }

    [Fact]
    public void A_token_of_another_cluster_names_both_CA_digests()
    {
        var tokens = JoinTokens.Create();
        var otherDigest = new string('d', 50);

        var error = Assert.Throws<JoinTokenException>(() => tokens.Verify(tokens.Token(NodeRole.Worker, otherDigest).ToString(), CaDigest));

        Assert.StartsWith($"the token pins CA {otherDigest}, but this cluster's CA is {CaDigest}: it is another cluster's token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_token_gets_the_parse_error()
    {
        Assert.False(JoinTokens.Create().TryVerify("CKTKN-1-short", CaDigest, out _, out var error));

        Assert.Contains("join token has 3 '-'-separated parts, not 4", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Seeded_randomness_makes_rotations_reproducible()
    {
        var first = JoinTokens.Create(new SeededRandomNumberGenerator(42)).Rotate(NodeRole.Worker, new SeededRandomNumberGenerator(7));
        var second = JoinTokens.Create(new SeededRandomNumberGenerator(42)).Rotate(NodeRole.Worker, new SeededRandomNumberGenerator(7));
        var third = JoinTokens.Create(new SeededRandomNumberGenerator(43));

        Assert.Equal(first.WorkerSecret, second.WorkerSecret);
        Assert.Equal(first.ManagerSecret, second.ManagerSecret);
        Assert.NotEqual(first.ManagerSecret, third.ManagerSecret);
    }

    [Fact]
    public void Rotated_secrets_are_kept_only_as_hashes_and_only_the_last_few()
    {
        var tokens = JoinTokens.Create();
        var first = tokens.WorkerSecret;
        for (var i = 0; i < JoinTokens.RetiredKept + 3; i++)
        {
            tokens = tokens.Rotate(NodeRole.Worker);
        }

        Assert.Equal(JoinTokens.RetiredKept, tokens.RetiredWorkerSecrets.Count);
        Assert.Empty(tokens.RetiredManagerSecrets);
        Assert.All(tokens.RetiredWorkerSecrets, h => Assert.Matches("^[0-9a-f]{64}$", h));
        // Too old to remember: reported as wrong, not rotated.
        Assert.StartsWith("the token's secret is neither", Assert.Throws<JoinTokenException>(() => tokens.Verify(new JoinToken(CaDigest, first).ToString(), CaDigest)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_store_form_round_trips_through_the_constructor()
    {
        var tokens = JoinTokens.Create().Rotate(NodeRole.Manager);
        var oldManager = JoinTokens.Create();

        var back = new JoinTokens(tokens.WorkerSecret, tokens.ManagerSecret, tokens.RetiredWorkerSecrets, tokens.RetiredManagerSecrets);

        Assert.Equal(NodeRole.Manager, back.Verify(tokens.Token(NodeRole.Manager, CaDigest).ToString(), CaDigest));
        Assert.Equal(tokens.RetiredManagerSecrets, back.RetiredManagerSecrets);
        Assert.Contains("worker join secret has 3 characters", Assert.Throws<ArgumentException>(() => new JoinTokens("abc", oldManager.ManagerSecret, [], [])).Message, StringComparison.Ordinal);
        Assert.Contains("are equal", Assert.Throws<ArgumentException>(() => new JoinTokens(oldManager.ManagerSecret, oldManager.ManagerSecret, [], [])).Message, StringComparison.Ordinal);
    }
}
