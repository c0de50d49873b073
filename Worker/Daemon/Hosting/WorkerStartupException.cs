namespace ClusterKit.Worker.Hosting;

/// <summary>The worker cannot start (not root, socket in use, bridge cannot be created, ...).</summary>
public sealed class WorkerStartupException : Exception
{
    public WorkerStartupException(string message) : base(message)
    {
    }

    public WorkerStartupException()
    {
    }

    public WorkerStartupException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
