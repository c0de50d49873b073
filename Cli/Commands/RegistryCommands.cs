using System.CommandLine;
using ClusterKit.Cli.Registry;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;
using ClusterKit.Shared.Parsing;
using ClusterKit.Shared.Remote;
using Grpc.Core;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck registry ...`: what the cluster registry on the managers holds (list, inspect, remove).</summary>
internal static class RegistryCommands
{
    public static Command Build()
    {
        var registry = new Command("registry", "Manage the cluster registry's images (served by the managers)");
        ManagerContext.AddTo(registry);
        registry.Subcommands.Add(List());
        registry.Subcommands.Add(Inspect());
        registry.Subcommands.Add(Remove());
        registry.Subcommands.Add(RegistryGcCommand.Build());
        registry.Subcommands.Add(RegistryCredentialCommands.Build());
        return registry;
    }

    private static Command List()
    {
        var repository = new Argument<string?>("repository") { Arity = ArgumentArity.ZeroOrOne, Description = "Only this repository (busybox is library/busybox)" };
        var format = new Option<string?>("--format") { Description = "table (default) or json" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only repository names" };
        var command = new Command("ls", "List the cluster registry's repositories with their tags, manifests and size") { repository, format, quiet };
        command.Aliases.Add("list");
        command.SetAction(async (result, ct) =>
        {
            var json = RegistryListOutput.IsJson(result.GetValue(format));
            var filter = result.GetValue(repository);
            if (filter is not null)
            {
                CheckRepository(filter);
            }

            using var manager = ManagerContext.Connect(result);
            var repositories = new List<RegistryRepositorySummary>();
            var token = string.Empty;
            do
            {
                var request = new ListRegistryRequest { Repository = filter ?? string.Empty, PageToken = token };
                var page = await manager.CallAsync(c => manager.Registry.ListAsync(request, c), ct);
                repositories.AddRange(page.Repositories);
                token = page.NextPageToken;
            }
            while (token.Length > 0);

            Console.Write(
                result.GetValue(quiet) ? string.Concat(repositories.Select(r => RemoteText.Escape(r.Name) + "\n"))
                : json ? RegistryListOutput.JsonArray(repositories)
                : RegistryListOutput.Table(repositories));
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var references = new Argument<string[]>("references") { Arity = ArgumentArity.OneOrMore, Description = "REPOSITORY[:TAG] or REPOSITORY@DIGEST (busybox is library/busybox:latest)" };
        var command = new Command("inspect", "Show manifests of the cluster registry in detail (JSON)") { references };
        command.SetAction(async (result, ct) =>
        {
            var shown = new List<string>();
            var failed = await ForEachAsync(result, references, async (manager, reference, token) =>
            {
                var details = await manager.CallAsync(c => manager.Registry.InspectAsync(new InspectRegistryImageRequest { Reference = reference }, c), token);
                shown.Add(Json.Format(details));
                return null;
            }, ct);
            Console.Write("[" + string.Join(",\n", shown) + "]\n");
            return failed ? 1 : 0;
        });
        return command;
    }

    private static Command Remove()
    {
        var references = new Argument<string[]>("references")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "REPOSITORY:TAG removes a tag; REPOSITORY@DIGEST removes the manifest with every tag at it (blobs stay for gc)",
        };
        var command = new Command("rm", "Remove tags or manifests from the cluster registry") { references };
        command.Aliases.Add("remove");
        command.SetAction(async (result, ct) =>
        {
            var failed = await ForEachAsync(result, references, async (manager, reference, token) =>
            {
                var removed = await manager.CallAsync(c => manager.Registry.RemoveAsync(new RemoveRegistryImageRequest { Reference = reference }, c), token);
                return RegistryRemoveText.Format(removed);
            }, ct);
            return failed ? 1 : 0;
        });
        return command;
    }

    /// <summary>
    /// Each reference in turn, checked here first (a bad one never reaches a manager); a failure is printed as
    /// `Error: REFERENCE: why` and the rest still run, as docker does. True when any failed.
    /// </summary>
    private static async Task<bool> ForEachAsync(ParseResult result, Argument<string[]> references, Func<ManagerConnection, string, CancellationToken, Task<string?>> act, CancellationToken ct)
    {
        var failed = false;
        ManagerConnection? manager = null;
        try
        {
            foreach (var reference in result.GetValue(references)!)
            {
                try
                {
                    CheckReference(reference);
                    manager ??= ManagerContext.Connect(result);
                    if (await act(manager, reference, ct) is { } line)
                    {
                        Console.WriteLine(line);
                    }
                }
                catch (Exception e) when (e is SpecFormatException || e is RpcException { StatusCode: not StatusCode.Unavailable and not StatusCode.Cancelled })
                {
                    await Console.Error.WriteLineAsync(ErrorLine(reference, e is RpcException rpc ? rpc.Status.Detail : e.Message));
                    failed = true;
                }
            }
        }
        finally
        {
            manager?.Dispose();
        }

        return failed;
    }

    /// <summary>`Error: ...` naming the reference (once: most messages name it already), escaped: it may come from a manager.</summary>
    internal static string ErrorLine(string reference, string message) =>
        message.Contains(reference, StringComparison.Ordinal)
            ? $"Error: {RemoteText.Escape(message)}"
            : $"Error: {RemoteText.Escape(reference)}: {RemoteText.Escape(message)}";

    /// <summary>A reference ck can send: of the image grammar, with a tag or a digest but not both.</summary>
    internal static void CheckReference(string reference)
    {
        if (!ParsedImageReference.TryParse(reference, out var parsed, out var error))
        {
            throw new SpecFormatException($"{error.Message}; allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST");
        }

        if (parsed.Tag is not null && parsed.Digest is not null)
        {
            throw new SpecFormatException($"invalid reference '{reference}': it gives both a tag and a digest; allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST");
        }
    }

    /// <summary>A repository for `ck registry ls`: a name of the grammar without tag or digest.</summary>
    internal static void CheckRepository(string repository)
    {
        if (!ParsedImageReference.TryParse(repository, out var parsed, out var error))
        {
            throw new SpecFormatException($"{error.Message}; allowed: a repository name such as team/app or busybox");
        }

        if (parsed.Tag is not null || parsed.Digest is not null)
        {
            throw new SpecFormatException($"invalid repository '{repository}': allowed: a repository name without tag or digest, such as team/app or busybox");
        }
    }
}
