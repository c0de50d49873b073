using ClusterKit.Shared.Parsing;

namespace ClusterKit.Shared.Tests.Parsing;

public sealed class ClosestNameTests
{
    private static readonly string[] Commands = ["container", "image", "worker", "cluster", "node"];

    [Theory]
    [InlineData("contaner", "container")]
    [InlineData("imgae", "image")]
    [InlineData("nod", "node")]
    [InlineData("clustr", "cluster")]
    public void A_typo_finds_the_command_meant(string typed, string meant) => Assert.Equal(meant, ClosestName.Find(typed, Commands));

    [Theory]
    [InlineData("xyz")]
    [InlineData("deploy")]
    public void A_name_far_from_every_command_finds_none(string typed) => Assert.Null(ClosestName.Find(typed, Commands));

    [Fact]
    public void The_distance_counts_insertions_deletions_and_substitutions()
    {
        Assert.Equal(0, ClosestName.EditDistance("node", "node"));
        Assert.Equal(1, ClosestName.EditDistance("contaner", "container"));
        Assert.Equal(2, ClosestName.EditDistance("imgae", "image"));
        Assert.Equal(4, ClosestName.EditDistance("", "node"));
    }
}
