using System.CommandLine;
using ClusterKit.Cli.Nodes;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck node ...`: list, inspect, update, promote, demote and remove cluster nodes.</summary>
internal static class NodeCommands
{
    // Promotion catches the new manager's log up before it votes: longer than an ordinary call.
    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromMinutes(2);

    public static Command Build()
    {
        var node = new Command("node", "Manage the cluster's nodes");
        ManagerContext.AddTo(node);
        node.Subcommands.Add(List());
        node.Subcommands.Add(Inspect());
        node.Subcommands.Add(Update());
        node.Subcommands.Add(Promote());
        node.Subcommands.Add(Demote());
        node.Subcommands.Add(Remove());
        return node;
    }

    private static Command List()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only ids" };
        var command = new Command("ls", "List the cluster's nodes") { quiet };
        command.Aliases.Add("list");
        command.SetAction(async (result, ct) =>
        {
            using var manager = ManagerContext.Connect(result);
            var response = await manager.CallAsync(c => manager.Nodes.ListAsync(new ListNodesRequest(), c), ct);
            var output = NodeListOutput.From(response, manager.AnsweringNodeId);
            if (output.Warning is not null)
            {
                await Console.Error.WriteLineAsync(output.Warning);
            }

            if (result.GetValue(quiet))
            {
                foreach (var details in response.Nodes)
                {
                    Console.WriteLine(details.Node?.Id);
                }
            }
            else
            {
                Console.Write(output.Table);
            }

            return output.ExitCode;
        });
        return command;
    }

    private static Command Inspect()
    {
        var nodes = new Argument<string[]>("nodes") { Arity = ArgumentArity.OneOrMore, Description = "Node ids, unique id prefixes or hostnames" };
        var format = new Option<string?>("--format") { Description = "json (default) or pretty" };
        var command = new Command("inspect", "Show nodes in detail") { nodes, format };
        command.SetAction(async (result, ct) =>
        {
            var json = ManagerContext.IsJson(result.GetValue(format), jsonByDefault: true);
            using var manager = ManagerContext.Connect(result);
            var shown = new List<string>();
            foreach (var name in result.GetValue(nodes)!)
            {
                var details = await manager.CallAsync(c => manager.Nodes.InspectAsync(new InspectNodeRequest { Node = name }, c), ct);
                shown.Add(json ? Json.Format(details) : NodeText.Format(details));
            }

            Console.Write(json ? "[" + string.Join(",\n", shown) + "]\n" : string.Join("\n", shown));
            return 0;
        });
        return command;
    }

    private static Command Update()
    {
        var node = new Argument<string>("node") { Description = "A node id, unique id prefix or hostname" };
        var availability = new Option<string?>("--availability") { Description = "active, pause or drain" };
        var labelAdd = new Option<string[]>("--label-add") { Description = "Add or change a node label KEY=VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var labelRm = new Option<string[]>("--label-rm") { Description = "Remove a node label KEY (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("update", "Change a node's availability or labels") { node, availability, labelAdd, labelRm };
        command.SetAction(async (result, ct) =>
        {
            var request = NodeUpdateArguments.Parse(result.GetValue(node)!, result.GetValue(availability), result.GetValue(labelAdd), result.GetValue(labelRm));
            using var manager = ManagerContext.Connect(result);
            var details = await manager.CallAsync(c => manager.Nodes.UpdateAsync(request, c), ct);
            Console.WriteLine(details.Node?.Id);
            return 0;
        });
        return command;
    }

    private static Command Promote() => ForEachNode("promote", "Make workers managers (they must run ck-manager)", async (_, manager, name, ct) =>
    {
        var details = await manager.CallAsync(c => manager.Nodes.PromoteAsync(new PromoteNodeRequest { Node = name }, c), ct, MembershipTimeout);
        return $"Node {details.Node?.Id} promoted to a manager in the cluster.";
    });

    private static Command Demote() => ForEachNode("demote", "Make managers workers (refused below quorum)", async (_, manager, name, ct) =>
    {
        var details = await manager.CallAsync(c => manager.Nodes.DemoteAsync(new DemoteNodeRequest { Node = name }, c), ct, MembershipTimeout);
        return $"Manager {details.Node?.Id} demoted in the cluster.";
    });

    private static Command Remove()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Remove a node that is not down (or a manager still in Raft)" };
        var command = ForEachNode("rm", "Remove nodes from the cluster", async (result, manager, name, ct) =>
        {
            await manager.CallAsync(c => manager.Nodes.RemoveAsync(new RemoveNodeRequest { Node = name, Force = result.GetValue(force) }, c), ct);
            return name;
        });
        command.Options.Add(force);
        command.Aliases.Add("remove");
        return command;
    }

    private static Command ForEachNode(string name, string description, Func<ParseResult, ManagerConnection, string, CancellationToken, Task<string>> act)
    {
        var nodes = new Argument<string[]>("nodes") { Arity = ArgumentArity.OneOrMore, Description = "Node ids, unique id prefixes or hostnames" };
        var command = new Command(name, description) { nodes };
        command.SetAction((result, ct) => RunForEachAsync(result, nodes, act, ct));
        return command;
    }

    /// <summary>Each node in turn; a failure is reported and the rest still run, as docker does; exit 1 if any failed.</summary>
    private static async Task<int> RunForEachAsync(ParseResult result, Argument<string[]> nodes, Func<ParseResult, ManagerConnection, string, CancellationToken, Task<string>> act, CancellationToken ct)
    {
        using var manager = ManagerContext.Connect(result);
        var failed = false;
        foreach (var name in result.GetValue(nodes)!)
        {
            try
            {
                Console.WriteLine(await act(result, manager, name, ct));
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode is not Grpc.Core.StatusCode.Unavailable and not Grpc.Core.StatusCode.Cancelled)
            {
                await Console.Error.WriteLineAsync($"Error: {name}: {e.Status.Detail}");
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }
}
