namespace ClusterKit.Worker;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ck-worker: not wired yet");
        return args.Length == 0 ? 1 : 1;
    }
}
