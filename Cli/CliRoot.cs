using System.CommandLine;
using ClusterKit.Cli.Commands;

namespace ClusterKit.Cli;

/// <summary>The whole `ck` command tree (Program runs it; tests parse against it).</summary>
internal static class CliRoot
{
    public static RootCommand Build()
    {
        var root = new RootCommand("ck: the ClusterKit command line");
        root.Options.Add(CliContext.WorkerSocket);
        root.Subcommands.Add(ContainerCommands.Build());
        root.Subcommands.Add(ImageCommands.Build());
        root.Subcommands.Add(WorkerCommands.Build());
        root.Subcommands.Add(ClusterCommands.Build());
        root.Subcommands.Add(NodeCommands.Build());
        root.Subcommands.Add(Registry());
        WorkerCommands.ShowDaemonOptionsInHelp(root);
        return root;
    }

    /// <summary>`ck registry`: the cluster registry on the managers.</summary>
    private static Command Registry()
    {
        var registry = new Command("registry", "The cluster registry served by the managers");
        ManagerContext.AddTo(registry);
        registry.Subcommands.Add(RegistryCredentialCommands.Build());
        return registry;
    }
}
