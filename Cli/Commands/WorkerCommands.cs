using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Diagnostics;
using System.Globalization;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck worker run`: starts the worker daemon (ck-worker, installed beside ck) in the foreground.</summary>
internal static class WorkerCommands
{
    /// <summary>How long `ck worker run` waits for ck-worker to stop after passing on SIGTERM or SIGINT.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(60);

    public static Command Build()
    {
        var worker = new Command("worker", "The worker daemon on this host");
        var passThrough = new Argument<string[]>("options") { Arity = ArgumentArity.ZeroOrMore, Description = "ck-worker options (ck worker run --help lists them)" };
        var run = new Command("run", "Run the worker daemon (ck-worker) in the foreground; its options follow") { passThrough };
        run.TreatUnmatchedTokensAsErrors = false;
        run.SetAction(async (result, ct) =>
        {
            var arguments = (result.GetValue(passThrough) ?? []).Concat(result.UnmatchedTokens);
            using var process = Process.Start(DaemonStart(arguments)) ?? throw new InvalidOperationException("could not start ck-worker");
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                // ck got SIGTERM or SIGINT: the worker stops with it (and so is never left behind, re-parented to PID 1).
                await StopAsync(process);
            }

            return process.ExitCode;
        });
        worker.Subcommands.Add(run);

        var cleanupOptions = new Argument<string[]>("options") { Arity = ArgumentArity.ZeroOrMore, Description = "the stopped worker's options (--data-root, --bridge-name, ...), and --purge" };
        var cleanup = new Command("cleanup", "Remove what a stopped worker made on this host: containers, cgroups, mounts, bridge, nftables table, run root (--purge: its data root too)") { cleanupOptions };
        cleanup.TreatUnmatchedTokensAsErrors = false;
        cleanup.SetAction(async (result, ct) =>
        {
            var arguments = (result.GetValue(cleanupOptions) ?? []).Concat(result.UnmatchedTokens);
            using var process = Process.Start(DaemonStart(["cleanup", .. arguments])) ?? throw new InvalidOperationException("could not start ck-worker");
            await process.WaitForExitAsync(ct);
            return process.ExitCode;
        });
        worker.Subcommands.Add(cleanup);
        return worker;
    }

    /// <summary>`ck worker run --help` shows ck-worker's own options after ck's usage line.</summary>
    public static void ShowDaemonOptionsInHelp(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().First();
        var standard = help.Action;
        help.Action = new DaemonHelpAction(standard);
    }

    internal sealed class DaemonHelpAction(CommandLineAction? standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var standardHelp = standard is SynchronousCommandLineAction synchronous ? synchronous.Invoke(parseResult) : 0;
            if (parseResult.CommandResult.Command is { Name: "run" or "cleanup" } command && command.Parents.OfType<Command>().Any(p => p.Name == "worker"))
            {
                Console.WriteLine($"ck worker {command.Name} passes its options to ck-worker; ck-worker --help:");
                Console.WriteLine();
                try
                {
                    using var process = Process.Start(DaemonStart(["--help"]))!;
                    process.WaitForExit();
                    return process.ExitCode;
                }
                catch (FileNotFoundException error)
                {
                    Console.WriteLine(error.Message);
                }
            }

            return standardHelp;
        }
    }

    private static ProcessStartInfo DaemonStart(IEnumerable<string> arguments)
    {
        var daemon = LocateDaemon();
        var dll = daemon.EndsWith(".dll", StringComparison.Ordinal);
        var info = dll ? new ProcessStartInfo("dotnet") : new ProcessStartInfo(daemon);
        if (dll)
        {
            info.ArgumentList.Add(daemon);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var grace = new CancellationTokenSource(StopGrace);
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"ck: ck-worker (pid {process.Id}) did not stop within {StopGrace.TotalSeconds:0} s of SIGTERM; killing it");
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private static string LocateDaemon()
    {
        var here = AppContext.BaseDirectory;
        foreach (var candidate in new[] { Path.Combine(here, "ck-worker"), Path.Combine(here, "ck-worker.dll") })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"ck-worker was not found beside ck in {here}; build the solution (scripts/demo.sh does)");
    }
}
