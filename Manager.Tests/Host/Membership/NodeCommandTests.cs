using System.Text.Json;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// `ck node ls`, `inspect`, `demote` and `promote` as an operator types them (the built ck, its own process) against three
/// real ck-manager processes: the role a command reports is the role Raft and the store then hold.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class NodeCommandTests
{
    private static readonly TimeSpan CkWait = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task A_demoted_manager_is_inspected_as_a_worker_and_promoted_back_to_a_voting_manager()
    {
        await using var managers = SecureManagers.Create(3);
        try
        {
            await managers.FormAsync();
            var socket = managers[0].SocketPath;
            var list = await SecureClusterTests.WaitForAsync(
                () => managers[0].LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync,
                l => l.HasQuorum && l.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3,
                managers);
            var third = list.Nodes.Single(n => n.Node.RaftAddress == managers[2].Raft.ToString()).Node.Id;
            var first = list.Nodes.Single(n => n.Node.RaftAddress == managers[0].Raft.ToString()).Node.Id;

            var ls = await CkAsync(managers, "node", "ls", "--manager-socket", socket);
            Assert.Contains(third, ls, StringComparison.Ordinal);

            Assert.Equal($"Manager {third} demoted in the cluster.", (await CkAsync(managers, "node", "demote", third, "--manager-socket", socket)).Trim());
            var demoted = JsonDocument.Parse(await CkAsync(managers, "node", "inspect", third, "--manager-socket", socket));
            Assert.Equal("NODE_ROLE_WORKER", RoleOf(demoted));
            var raftAfterDemote = await managers[0].LocalNodes.ListAsync(new ListNodesRequest());
            Assert.Equal(2, raftAfterDemote.Nodes.Count(n => n.Node.Role == NodeRole.Manager));

            Assert.Equal($"Node {third} promoted to a manager in the cluster.", (await CkAsync(managers, "node", "promote", third, "--manager-socket", socket)).Trim());
            var pretty = await CkAsync(managers, "node", "inspect", third, "--format", "pretty", "--manager-socket", socket);
            Assert.Contains($"ID: {third}\n", pretty, StringComparison.Ordinal);
            Assert.Contains("Role: manager\n", pretty, StringComparison.Ordinal);
            Assert.Contains($"Raft address: {managers[2].Raft}\n", pretty, StringComparison.Ordinal);

            // Promoted means voting again: with the first manager gone, the other two still elect a leader and commit.
            await SecureClusterTests.WaitForAsync(
                () => managers[1].LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync,
                l => l.HasQuorum && l.Nodes.Count(n => n.Node.Role == NodeRole.Manager && n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3,
                managers);
            managers[0].Kill();
            var committed = await SecureClusterTests.WaitForAsync(
                () => managers[2].LocalStore.ProposeAsync(new ProposeRequest { Transaction = SecureClusterTests.Put("after-promotion", "v") }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync,
                _ => true,
                managers,
                TimeSpan.FromSeconds(60));
            Assert.True(committed.Version > 0);

            // Each refusal is one line naming the node, and ck exits 1.
            var again = await CkProcess.RunAsync(CkWait, "node", "promote", third, "--manager-socket", managers[1].SocketPath);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains($"node {third} is already a manager", again.Output, StringComparison.Ordinal);
            var unknown = await CkProcess.RunAsync(CkWait, "node", "inspect", "ckt-no-such-node", "--manager-socket", managers[1].SocketPath);
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("ckt-no-such-node", unknown.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", unknown.Output, StringComparison.Ordinal);
            Assert.NotEqual(first, third);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or JsonException)
        {
            throw new InvalidOperationException($"{e.Message}\n{managers.Describe()}", e);
        }
    }

    private static string? RoleOf(JsonDocument inspected) =>
        inspected.RootElement.EnumerateArray().Single().GetProperty("node").GetProperty("role").GetString();

    private static async Task<string> CkAsync(SecureManagers managers, params string[] arguments)
    {
        var (exit, output) = await CkProcess.RunAsync(CkWait, arguments);
        return exit == 0
            ? output
            : throw new InvalidOperationException($"`ck {string.Join(' ', arguments)}` exited {exit}:\n{output}\n{managers.Describe()}");
    }
}
