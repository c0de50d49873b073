using System.CommandLine;
using System.Diagnostics;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck worker run`: starts the worker daemon (ck-worker, installed beside ck) in the foreground.</summary>
internal static class WorkerCommands
{
    public static Command Build()
    {
        var worker = new Command("worker", "The worker daemon on this host");
        var passThrough = new Argument<string[]>("options") { Arity = ArgumentArity.ZeroOrMore, Description = "ck-worker options (--data-root, --socket, ...)" };
        var run = new Command("run", "Run the worker daemon in the foreground") { passThrough };
        run.SetAction(async (result, ct) =>
        {
            var daemon = LocateDaemon();
            var info = daemon.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") : new ProcessStartInfo(daemon);
            if (daemon.EndsWith(".dll", StringComparison.Ordinal))
            {
                info.ArgumentList.Add(daemon);
            }

            foreach (var argument in result.GetValue(passThrough) ?? [])
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start ck-worker");
            await process.WaitForExitAsync(ct);
            return process.ExitCode;
        });
        worker.Subcommands.Add(run);
        return worker;
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
