using ClusterKit.Worker.Hosting;

namespace ClusterKit.Worker.Session;

/// <summary>The session's part of the worker's option checks, one line per problem.</summary>
internal static class SessionOptionsCheck
{
    public static IEnumerable<string> Failures(WorkerOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Managers))
        {
            if (!string.IsNullOrEmpty(options.NodeId))
            {
                yield return $"Worker:NodeId '{options.NodeId}' is given without managers; allowed: --node-id together with --manager HOST:PORT[,HOST:PORT...]";
            }

            yield break;
        }

        string? error = null;
        try
        {
            ManagerAddresses.Parse("Worker:Managers (--manager)", options.Managers);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
        }

        if (error is not null)
        {
            yield return error;
        }

        if (string.IsNullOrEmpty(options.NodeId))
        {
            yield return "Worker:NodeId (--node-id) is required with --manager; allowed: 1 to 128 characters of a-z, A-Z, 0-9, '.', '_' and '-', starting with a letter or digit";
        }
        else if (!IsNodeId(options.NodeId))
        {
            yield return $"Worker:NodeId (--node-id) '{options.NodeId}' is invalid; allowed: 1 to 128 characters of a-z, A-Z, 0-9, '.', '_' and '-', starting with a letter or digit";
        }
    }

    // The managers' rule (ClusterKit.Manager.Dispatcher.NodeIds), checked here so a bad id fails at start, not at every connect.
    private static bool IsNodeId(string id)
        => id.Length <= 128 && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
