using System.CommandLine;
using System.Globalization;
using ClusterKit.Cli.Terminal;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Parsing;
using Grpc.Core;
using Spectre.Console;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck container ...`: the lifecycle of containers on the local worker.</summary>
internal static class ContainerCommands
{
    public static Command Build()
    {
        var container = new Command("container", "Manage containers on this worker");
        container.Subcommands.Add(Create());
        container.Subcommands.Add(Run());
        container.Subcommands.Add(Simple("start", "Start one or more stopped containers", (c, id, ct) => c.Containers.StartAsync(new ContainerRef { Id = id }, cancellationToken: ct).ResponseAsync));
        container.Subcommands.Add(Stop("stop", "Stop running containers (the stop signal, then SIGKILL after the grace period)", restart: false));
        container.Subcommands.Add(Stop("restart", "Restart containers", restart: true));
        container.Subcommands.Add(Kill());
        container.Subcommands.Add(Remove());
        container.Subcommands.Add(List());
        container.Subcommands.Add(Inspect());
        container.Subcommands.Add(Logs());
        container.Subcommands.Add(Exec());
        container.Subcommands.Add(Stats());
        container.Subcommands.Add(Wait());
        container.Subcommands.Add(Commit());
        return container;
    }

    private static Command Create()
    {
        var options = new ContainerSpecOptions();
        var command = new Command("create", "Create a container from an image without starting it");
        options.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var info = await worker.Containers.CreateAsync(new CreateContainerRequest { Spec = options.ToSpec(result) }, cancellationToken: ct);
            Console.WriteLine(info.Id);
            return 0;
        });
        return command;
    }

    private static Command Run()
    {
        var options = new ContainerSpecOptions();
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background and print the container id" };
        var command = new Command("run", "Create and start a container");
        options.AddTo(command);
        command.Options.Add(detach);
        command.SetAction(async (result, ct) =>
        {
            var spec = options.ToSpec(result);
            using var worker = CliContext.Connect(result);
            var info = await worker.Containers.CreateAsync(new CreateContainerRequest { Spec = spec }, cancellationToken: ct);
            if (result.GetValue(detach))
            {
                await StartOrRemoveAsync(worker, info.Id, () => worker.Containers.StartAsync(new ContainerRef { Id = info.Id }, cancellationToken: ct).ResponseAsync);
                Console.WriteLine(info.Id);
                return 0;
            }

            // As docker run: attach before starting, so that no output and no exit code is lost.
            var exit = await StartOrRemoveAsync(worker, info.Id, () => InteractiveSession.AttachAndStartAsync(worker, info.Id, spec.Tty, spec.OpenStdin, ct));
            if (exit.OomKilled)
            {
                await Console.Error.WriteLineAsync($"container {Short(info.Id)} was killed: out of memory (limit {MemorySize.Format(spec.MemoryBytes)})");
            }

            return exit.ExitCode;
        });
        return command;
    }

    private static Command Simple(string name, string description, Func<WorkerConnection, string, CancellationToken, Task<ContainerInfo>> call)
    {
        var ids = Ids();
        var command = new Command(name, description) { ids };
        command.SetAction((result, ct) => ForEachAsync(result, ids, call, ct));
        return command;
    }

    private static Command Stop(string name, string description, bool restart)
    {
        var ids = Ids();
        var time = new Option<int?>("--time", "-t") { Description = "Seconds to wait before SIGKILL (default: the container's stop timeout)" };
        var command = new Command(name, description) { ids, time };
        command.SetAction((result, ct) => ForEachAsync(result, ids, (c, id, token) =>
        {
            var request = new StopContainerRequest { Id = id, TimeoutSeconds = result.GetValue(time) ?? -1 };
            return restart ? c.Containers.RestartAsync(request, cancellationToken: token).ResponseAsync : c.Containers.StopAsync(request, cancellationToken: token).ResponseAsync;
        }, ct));
        return command;
    }

    private static Command Kill()
    {
        var ids = Ids();
        var signal = new Option<string>("--signal", "-s") { Description = "Signal to send (name or number)", DefaultValueFactory = _ => "KILL" };
        var command = new Command("kill", "Send a signal to running containers") { ids, signal };
        command.SetAction((result, ct) => ForEachAsync(result, ids, (c, id, token) =>
            c.Containers.KillAsync(new KillContainerRequest { Id = id, Signal = result.GetValue(signal)! }, cancellationToken: token).ResponseAsync, ct));
        return command;
    }

    private static Command Remove()
    {
        var ids = Ids();
        var force = new Option<bool>("--force", "-f") { Description = "Kill a running container first" };
        var command = new Command("rm", "Remove containers") { ids, force };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var failed = 0;
            foreach (var id in result.GetValue(ids)!)
            {
                try
                {
                    var removed = await worker.Containers.RemoveAsync(new RemoveContainerRequest { Id = id, Force = result.GetValue(force) }, cancellationToken: ct);
                    Console.WriteLine(id);
                }
                catch (RpcException error)
                {
                    await Console.Error.WriteLineAsync($"Error: {error.Status.Detail}");
                    failed++;
                }
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show stopped containers too" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only ids" };
        var command = new Command("ps", "List containers") { all, quiet };
        command.Aliases.Add("ls");
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var list = await worker.Containers.ListAsync(new ListContainersRequest { All = result.GetValue(all) }, cancellationToken: ct);
            if (result.GetValue(quiet))
            {
                foreach (var c in list.Containers)
                {
                    Console.WriteLine(Short(c.Id));
                }

                return 0;
            }

            var table = new TextTable("CONTAINER ID", "IMAGE", "COMMAND", "STATUS", "PORTS", "NAMES");
            foreach (var c in list.Containers)
            {
                table.Add(
                    Short(c.Id),
                    c.Image,
                    Ellipsis(string.Join(' ', c.EffectiveCommand), 24),
                    Describe(c.State),
                    string.Join(", ", c.Spec.Ports.Select(p => $"{(p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0")}:{p.HostPort}->{p.ContainerPort}/{p.Protocol}")),
                    c.Name);
            }

            Console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var ids = Ids();
        var command = new Command("inspect", "Show a container's full record as JSON") { ids };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var infos = new List<string>();
            foreach (var id in result.GetValue(ids)!)
            {
                var info = await worker.Containers.InspectAsync(new ContainerRef { Id = id }, cancellationToken: ct);
                infos.Add(Json.Format(info));
            }

            Console.WriteLine("[" + string.Join(",\n", infos) + "]");
            return 0;
        });
        return command;
    }

    private static Command Logs()
    {
        var id = new Argument<string>("container");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep following new output" };
        var tail = new Option<int>("--tail", "-n") { Description = "Number of lines from the end (-1 = all)", DefaultValueFactory = _ => -1 };
        var timestamps = new Option<bool>("--timestamps") { Description = "Prefix each line with its time" };
        var command = new Command("logs", "Show a container's stdout and stderr") { id, follow, tail, timestamps };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            await FollowLogsAsync(worker, result.GetValue(id)!, result.GetValue(tail), result.GetValue(timestamps), result.GetValue(follow), ct);
            return 0;
        });
        return command;
    }

    private static Command Exec()
    {
        var id = new Argument<string>("container");
        var cmd = new Argument<string[]>("command") { Arity = ArgumentArity.OneOrMore };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep stdin open" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a pseudo-terminal" };
        var env = new Option<string[]>("--env", "-e") { Description = "Environment variable KEY=VALUE", Arity = ArgumentArity.ZeroOrMore };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory" };
        var user = new Option<string?>("--user", "-u") { Description = "uid[:gid] or user name" };
        var privileged = new Option<bool>("--privileged") { Description = "All capabilities, no seccomp filter" };
        var command = new Command("exec", "Run a command in a running container") { id, cmd, interactive, tty, env, workdir, user, privileged };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var spec = new ExecSpec
            {
                ContainerId = result.GetValue(id)!,
                Tty = result.GetValue(tty),
                Stdin = result.GetValue(interactive),
                WorkingDir = result.GetValue(workdir) ?? string.Empty,
                User = result.GetValue(user) ?? string.Empty,
                Privileged = result.GetValue(privileged),
            };
            spec.Cmd.AddRange(result.GetValue(cmd)!);
            spec.Env.AddRange(result.GetValue(env) ?? []);
            if (spec.Tty)
            {
                var (rows, cols) = RawTerminal.Size();
                spec.Size = new TerminalSize { Rows = rows, Cols = cols };
            }

            return await InteractiveSession.ExecAsync(worker, spec, ct);
        });
        return command;
    }

    private static Command Stats()
    {
        var ids = new Argument<string[]>("containers") { Arity = ArgumentArity.ZeroOrMore };
        var noStream = new Option<bool>("--no-stream") { Description = "Print one sample and exit" };
        var command = new Command("stats", "Live CPU, memory and process counts") { ids, noStream };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var targets = result.GetValue(ids) is { Length: > 0 } given
                ? given
                : (await worker.Containers.ListAsync(new ListContainersRequest(), cancellationToken: ct)).Containers.Select(c => c.Id).ToArray();
            var stream = !result.GetValue(noStream);
            do
            {
                var table = new TextTable("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "PIDS");
                foreach (var target in targets)
                {
                    using var call = worker.Containers.Stats(new StatsRequest { Id = target, Stream = false }, cancellationToken: ct);
                    await foreach (var s in call.ResponseStream.ReadAllAsync(ct))
                    {
                        table.Add(
                            Short(s.Id),
                            s.Name,
                            s.CpuPercent.ToString("0.00", CultureInfo.InvariantCulture) + "%",
                            $"{MemorySize.Format((long)s.MemoryUsageBytes)} / {(s.MemoryLimitBytes == 0 ? "unlimited" : MemorySize.Format((long)s.MemoryLimitBytes))}",
                            s.PidsCurrent.ToString(CultureInfo.InvariantCulture));
                    }
                }

                if (stream)
                {
                    AnsiConsole.Clear();
                }

                Console.Write(table);
                if (stream)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
            while (stream && !ct.IsCancellationRequested);

            return 0;
        });
        return command;
    }

    private static Command Wait()
    {
        var ids = Ids();
        var command = new Command("wait", "Block until containers stop, then print their exit codes") { ids };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var last = 0;
            foreach (var id in result.GetValue(ids)!)
            {
                var exit = await worker.Containers.WaitAsync(new WaitContainerRequest { Id = id }, cancellationToken: ct);
                Console.WriteLine(exit.ExitCode);
                last = exit.ExitCode;
            }

            return last;
        });
        return command;
    }

    private static Command Commit()
    {
        var id = new Argument<string>("container");
        var reference = new Argument<string>("reference") { Description = "NAME[:TAG] of the new image" };
        var change = new Option<string[]>("--change", "-c") { Description = "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, EXPOSE, LABEL, USER)", Arity = ArgumentArity.ZeroOrMore };
        var message = new Option<string?>("--message", "-m") { Description = "Commit message" };
        var command = new Command("commit", "Create a new image from a container's changes") { id, reference, change, message };
        command.SetAction(async (result, ct) =>
        {
            using var worker = CliContext.Connect(result);
            var request = new CommitContainerRequest { Id = result.GetValue(id)!, Reference = result.GetValue(reference)!, Comment = result.GetValue(message) ?? string.Empty };
            request.Changes.AddRange(result.GetValue(change) ?? []);
            var image = await worker.Containers.CommitAsync(request, cancellationToken: ct);
            Console.WriteLine(image.Id);
            return 0;
        });
        return command;
    }

    internal static async Task FollowLogsAsync(WorkerConnection worker, string id, int tail, bool timestamps, bool follow, CancellationToken ct)
    {
        using var call = worker.Containers.Logs(new LogsRequest { Id = id, Follow = follow, Tail = tail, Timestamps = timestamps }, cancellationToken: ct);
        using var stdout = Console.OpenStandardOutput();
        using var stderr = Console.OpenStandardError();
        await foreach (var record in call.ResponseStream.ReadAllAsync(ct))
        {
            var target = record.Stream == "stderr" ? stderr : stdout;
            if (timestamps)
            {
                var stamp = System.Text.Encoding.UTF8.GetBytes(record.Time.ToDateTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + " ");
                await target.WriteAsync(stamp, ct);
            }

            await target.WriteAsync(record.Data.Memory, ct);
            await target.FlushAsync(ct);
        }
    }

    /// <summary>run leaves nothing behind when the container cannot start (a port in use, a bad mount...).</summary>
    private static async Task<T> StartOrRemoveAsync<T>(WorkerConnection worker, string id, Func<Task<T>> start)
    {
        try
        {
            return await start();
        }
        catch (RpcException error) when (error.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled))
        {
            await worker.Containers.RemoveAsync(new RemoveContainerRequest { Id = id, Force = true }, cancellationToken: CancellationToken.None);
            throw;
        }
    }

    private static Argument<string[]> Ids() => new("containers") { Arity = ArgumentArity.OneOrMore, Description = "Container ids (or unique prefixes) or names" };

    private static async Task<int> ForEachAsync(ParseResult result, Argument<string[]> ids, Func<WorkerConnection, string, CancellationToken, Task<ContainerInfo>> call, CancellationToken ct)
    {
        using var worker = CliContext.Connect(result);
        var failed = 0;
        foreach (var id in result.GetValue(ids)!)
        {
            try
            {
                await call(worker, id, ct);
                Console.WriteLine(id);
            }
            catch (RpcException error) when (error.StatusCode != StatusCode.Unavailable)
            {
                await Console.Error.WriteLineAsync($"Error: {error.Status.Detail}");
                failed++;
            }
        }

        return failed == 0 ? 0 : 1;
    }

    internal static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static string Ellipsis(string text, int max) => text.Length <= max ? $"\"{text}\"" : $"\"{text[..(max - 1)]}…\"";

    private static string Describe(ContainerState state)
    {
        var now = DateTime.UtcNow;
        return state.Status switch
        {
            "running" => "Up " + Ago(now - state.StartedAt.ToDateTime()),
            "exited" => $"Exited ({state.ExitCode}{(state.OomKilled ? ", OOM" : string.Empty)}) {Ago(now - state.FinishedAt.ToDateTime())} ago",
            "restarting" => "Restarting",
            _ => char.ToUpperInvariant(state.Status[0]) + state.Status[1..],
        };
    }

    private static string Ago(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => $"{(int)span.TotalSeconds} seconds",
        < 3600 => $"{(int)span.TotalMinutes} minutes",
        < 86400 => $"{(int)span.TotalHours} hours",
        _ => $"{(int)span.TotalDays} days",
    };
}
