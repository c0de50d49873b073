using System.CommandLine;
using System.Globalization;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck image ...`: the worker's local image store.</summary>
internal static class ImageCommands
{
    public static Command Build()
    {
        var image = new Command("image", "Manage images on this worker");
        image.Subcommands.Add(Import());
        image.Subcommands.Add(List());
        image.Subcommands.Add(Inspect());
        image.Subcommands.Add(Remove());
        image.Subcommands.Add(Tag());
        image.Subcommands.Add(Save());
        image.Subcommands.Add(Load());
        image.Subcommands.Add(Push());
        image.Subcommands.Add(Pull());
        return image;
    }

    private static Command Import()
    {
        var source = new Argument<string>("source") { Description = "A root filesystem as a tar (optionally gzip) or a directory" };
        var reference = new Argument<string>("reference") { Description = "NAME[:TAG]" };
        var change = new Option<string[]>("--change", "-c") { Description = "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, EXPOSE, LABEL, USER)", Arity = ArgumentArity.ZeroOrMore };
        var message = new Option<string?>("--message", "-m") { Description = "Commit message" };
        var command = new Command("import", "Create an image from a root filesystem") { source, reference, change, message };
        command.SetAction(async (result, ct) =>
        {
            var path = Path.GetFullPath(result.GetValue(source)!);
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new SpecFormatException($"import source '{path}' does not exist: give a rootfs tar, tar.gz or directory");
            }

            using var worker = CliContext.Connect(result);
            var request = new ImportImageRequest { SourcePath = path, Reference = result.GetValue(reference)!, Message = result.GetValue(message) ?? string.Empty };
            request.Changes.AddRange(result.GetValue(change) ?? []);
            var info = await worker.Images.ImportAsync(request, cancellationToken: ct);
            Console.WriteLine(info.Id);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only ids" };
        var command = new Command("ls", "List images") { quiet };
        command.Aliases.Add("list");
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var list = await worker.Images.ListAsync(new ListImagesRequest(), cancellationToken: ct);
            if (result.GetValue(quiet))
            {
                foreach (var i in list.Images)
                {
                    Console.WriteLine(ShortId(i.Id));
                }

                return 0;
            }

            var table = new TextTable("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
            foreach (var i in list.Images)
            {
                var references = i.References.Count > 0 ? i.References : (IList<string>)["<none>:<none>"];
                foreach (var reference in references)
                {
                    var colon = reference.LastIndexOf(':');
                    var slash = reference.LastIndexOf('/');
                    var (repo, tag) = colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, "<none>");
                    table.Add(
                        repo,
                        tag,
                        ShortId(i.Id),
                        i.Created is null ? "-" : i.Created.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                        MemorySize.Format(i.Size));
                }
            }

            Console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var references = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore };
        var command = new Command("inspect", "Show an image's record and config as JSON") { references };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var infos = new List<string>();
            foreach (var reference in result.GetValue(references)!)
            {
                infos.Add(Json.Format(await worker.Images.InspectAsync(new ImageRef { Reference = reference }, cancellationToken: ct)));
            }

            Console.WriteLine("[" + string.Join(",\n", infos) + "]");
            return 0;
        });
        return command;
    }

    private static Command Remove()
    {
        var references = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Remove even when tagged in several places" };
        var command = new Command("rm", "Remove images (refused while a container uses them)") { references, force };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            foreach (var reference in result.GetValue(references)!)
            {
                var removed = await worker.Images.RemoveAsync(new RemoveImageRequest { Reference = reference, Force = result.GetValue(force) }, cancellationToken: ct);
                foreach (var untagged in removed.Untagged)
                {
                    Console.WriteLine($"Untagged: {untagged}");
                }

                foreach (var deleted in removed.Deleted)
                {
                    Console.WriteLine($"Deleted: {deleted}");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Tag()
    {
        var source = new Argument<string>("source");
        var target = new Argument<string>("target");
        var command = new Command("tag", "Give an image another name") { source, target };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            await worker.Images.TagAsync(new TagImageRequest { Source = result.GetValue(source)!, Target = result.GetValue(target)! }, cancellationToken: ct);
            return 0;
        });
        return command;
    }

    private static Command Save()
    {
        var references = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The tar file to write", Required = true };
        var format = new Option<string>("--format") { Description = "docker (docker load accepts it; also an OCI layout) or oci", DefaultValueFactory = _ => "docker" };
        var command = new Command("save", "Write images to a tar archive") { references, output, format };
        command.SetAction(async (result, ct) =>
        {
            var chosen = result.GetValue(format)!;
            if (chosen is not ("docker" or "oci"))
            {
                throw new SpecFormatException($"invalid --format '{chosen}': use docker or oci");
            }

            using var worker = CliContext.Connect(result);
            var request = new SaveImagesRequest { OutputPath = Path.GetFullPath(result.GetValue(output)!), Format = chosen };
            request.References.AddRange(result.GetValue(references)!);
            await worker.Images.SaveAsync(request, cancellationToken: ct);
            return 0;
        });
        return command;
    }

    private static Command Load()
    {
        var input = new Option<string>("--input", "-i") { Description = "The tar file to read (docker save or OCI layout)", Required = true };
        var command = new Command("load", "Load images from a tar archive") { input };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var loaded = await worker.Images.LoadAsync(new LoadImagesRequest { InputPath = Path.GetFullPath(result.GetValue(input)!) }, cancellationToken: ct);
            foreach (var reference in loaded.Loaded)
            {
                Console.WriteLine($"Loaded image: {reference}");
            }

            return 0;
        });
        return command;
    }

    private static Command Push()
    {
        var reference = new Argument<string>("image") { Description = "NAME[:TAG] in this worker's store" };
        var registry = new Option<string?>("--registry") { Description = "The registry as HOST:PORT (replaces the registry the name gives); without it, a NAME goes to the cluster registry" };
        var command = new Command("push", "Push an image to a registry (by default the cluster's, on the managers); blobs it already holds are skipped") { reference, registry };
        ManagerContext.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var local = result.GetValue(reference)!;
            var target = RegistryReferences.On(local, result.GetValue(registry));
            var token = await ClusterPushTokenAsync(result, target, ct);
            using var worker = CliContext.Connect(result);
            using var call = worker.Images.Push(new PushImageRequest { Reference = local, Target = target, RegistryToken = token ?? string.Empty }, cancellationToken: ct);
            await TransferProgress.ShowAsync(call.ResponseStream, "pushed", ct);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// For a target in the cluster registry: a push token for its repository from a manager (the local socket, or
    /// --host with the admin credential), since the worker's own certificate only reads. Null for other registries.
    /// </summary>
    private static async Task<string?> ClusterPushTokenAsync(ParseResult result, string target, CancellationToken ct)
    {
        if (RegistryReferences.ClusterRepository(target) is not { } repository)
        {
            return null;
        }

        using var manager = ManagerContext.Connect(result);
        var issued = await manager.CallAsync(
            c => manager.RegistryAccess.IssueTokenAsync(new ClusterKit.Proto.Manager.V1.IssueRegistryTokenRequest { Scopes = { $"repository:{repository}:pull,push" } }, c),
            ct);
        return issued.Token;
    }

    private static Command Pull()
    {
        var reference = new Argument<string>("reference") { Description = "HOST:PORT/NAME[:TAG|@DIGEST], or NAME with --registry" };
        var registry = new Option<string?>("--registry") { Description = "The registry as HOST:PORT" };
        var command = new Command("pull", "Pull an image from a registry into this worker's store") { reference, registry };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            using var call = worker.Images.Pull(new PullImageRequest { Reference = RegistryReferences.On(result.GetValue(reference)!, result.GetValue(registry)) }, cancellationToken: ct);
            await TransferProgress.ShowAsync(call.ResponseStream, "pulled", ct);
            return 0;
        });
        return command;
    }

    private static string ShortId(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..19] : id[..Math.Min(12, id.Length)];
}
