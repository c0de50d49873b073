using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Control;

public sealed class JoinInstructionsTests
{
    private const string Token = "CKTKN-1-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd-0123456789abcdefghijklmno";

    [Fact]
    public void A_join_token_is_printed_as_the_command_to_run_as_swarm_does()
    {
        var text = JoinInstructions.ForRole(NodeRole.Worker, Token, "10.0.0.1:4243");

        Assert.Equal(
            "To add a worker to this cluster, run the following command:\n\n" +
            $"    ck cluster join --token {Token} 10.0.0.1:4243\n",
            text);
    }

    [Fact]
    public void Init_prints_the_ids_and_both_join_commands_with_their_own_tokens()
    {
        var text = JoinInstructions.AfterInit("cluster1", "node1", "WORKER-TOKEN", "MANAGER-TOKEN", "10.0.0.1:4243");

        Assert.StartsWith("Cluster initialized: cluster id cluster1; this node (node1) is now a manager.\n\n", text, StringComparison.Ordinal);
        Assert.Contains("To add a worker to this cluster, run the following command:\n\n    ck cluster join --token WORKER-TOKEN 10.0.0.1:4243\n", text, StringComparison.Ordinal);
        Assert.Contains("To add a manager to this cluster, run the following command:\n\n    ck cluster join --token MANAGER-TOKEN 10.0.0.1:4243\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("WORKER-TOKEN", StringComparison.Ordinal) < text.IndexOf("MANAGER-TOKEN", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("worker", NodeRole.Worker)]
    [InlineData("manager", NodeRole.Manager)]
    public void The_role_argument_is_worker_or_manager(string text, NodeRole role) => Assert.Equal(role, JoinInstructions.ParseRole(text));

    [Theory]
    [InlineData("admin")]
    [InlineData("Worker")]
    [InlineData(null)]
    public void Another_role_is_refused_naming_the_value_and_the_allowed_roles(string? text)
    {
        var error = Assert.Throws<SpecFormatException>(() => JoinInstructions.ParseRole(text));

        Assert.Equal($"join-token role '{text}' is unknown; allowed: worker, manager", error.Message);
    }
}
