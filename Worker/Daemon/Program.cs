using ClusterKit.Worker.Hosting;

namespace ClusterKit.Worker;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
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
