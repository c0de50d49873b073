using ClusterKit.Shared.Hosting;
using ClusterKit.Worker.Hosting;

namespace ClusterKit.Worker;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Before anything is created: every file, directory and socket of the worker is root-only.
        PrivateFiles.RestrictUmask();
        try
        {
            var app = WorkerHost.Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException error)
        {
            await Console.Error.WriteLineAsync("ck-worker: invalid configuration: " + string.Join("; ", error.Failures));
            return 2;
        }
        catch (WorkerStartupException error)
        {
            await Console.Error.WriteLineAsync("ck-worker: " + error.Message);
            return 1;
        }
    }
}
