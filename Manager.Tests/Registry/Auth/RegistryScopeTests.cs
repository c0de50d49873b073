using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Registry.Http;

namespace ClusterKit.Manager.Tests.Registry.Auth;

public sealed class RegistryScopeTests
{
    [Fact]
    public void A_repository_scope_parses_with_its_actions_and_prints_back()
    {
        Assert.True(RegistryScope.TryParse("repository:team/app:push,pull", out var scope, out _));

        Assert.Equal("team/app", scope.Repository.Value);
        Assert.True(scope.Allows(RegistryAction.Read));
        Assert.True(scope.Allows(RegistryAction.Push));
        Assert.False(scope.Allows(RegistryAction.Delete));
        Assert.Equal("repository:team/app:pull,push", scope.ToString());
    }

    [Theory]
    [InlineData("", "expected repository:NAME:ACTIONS")]
    [InlineData("repository:team/app", "expected repository:NAME:ACTIONS")]
    [InlineData("registry:catalog:*", "resource type 'registry' is not supported")]
    [InlineData("repository:Team/App:pull", "invalid repository name 'Team/App'")]
    [InlineData("repository:../etc:pull", "invalid repository name '../etc'")]
    [InlineData("repository:team/app:pull,steal", "action 'steal' is unknown; allowed: pull, push, delete, *")]
    [InlineData("repository:team/app:", "action '' is unknown")]
    public void A_malformed_scope_is_refused_saying_what_is_wrong(string text, string expected)
    {
        Assert.False(RegistryScope.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Throws<FormatException>(() => RegistryScope.Parse(text)).Message);
    }

    [Fact]
    public void Several_scopes_parse_from_repeated_and_space_separated_parameters()
    {
        Assert.True(RegistryScope.TryParseAll(["repository:a:pull repository:b:push", "repository:c:delete"], out var scopes, out _));
        Assert.Equal(["a", "b", "c"], scopes.Select(s => s.Repository.Value));

        Assert.False(RegistryScope.TryParseAll(["repository:a:pull", "repository:B:pull"], out _, out var error));
        Assert.Contains("'B'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Narrowing_keeps_only_granted_actions_expands_star_and_drops_empty_scopes()
    {
        RegistryScope[] requested = [RegistryScope.Parse("repository:a:pull,push"), RegistryScope.Parse("repository:b:push"), RegistryScope.Parse("repository:c:*")];

        var narrowed = RegistryScope.Narrow(requested, a => a == RegistryScope.Pull);

        Assert.Equal(["repository:a:pull", "repository:c:pull"], narrowed.Select(s => s.ToString()));
    }
}
