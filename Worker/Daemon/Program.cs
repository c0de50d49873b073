using ClusterKit.Shared.Hosting;
using ClusterKit.Worker.Hosting;

namespace ClusterKit.Worker;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Before anything is created: every file, directory and socket of the worker is root-only.
        PrivateFiles.RestrictUmask();

        var commandLine = WorkerCommandLine.Parse(args);
        if (commandLine.HelpRequested)
        {
            await Console.Out.WriteAsync(WorkerCommandLine.Usage());
            return 0;
        }

        if (commandLine.Error is not null)
        {
            await Console.Error.WriteLineAsync("ck-worker: " + commandLine.Error);
            return 2;
        }

        try
        {
            if (commandLine.Cleanup)
            {
                await WorkerHost.CleanupAsync(commandLine.Settings, commandLine.Purge, Console.Out, CancellationToken.None);
                return 0;
            }

            var app = WorkerHost.Build(commandLine.Settings);
            await app.RunAsync();
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException error)
        {
            await Console.Error.WriteLineAsync("ck-worker: invalid configuration: " + string.Join("; ", error.Failures));
            return 2;
        }
        catch (Exception error) when (error is WorkerStartupException or Networking.NetworkingException or Cgroups.CgroupException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync("ck-worker: " + error.Message);
            return 1;
        }
    }
}
