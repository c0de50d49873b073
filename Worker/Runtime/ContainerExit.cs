namespace ClusterKit.Worker.Runtime;

/// <summary>How a container ended. ExitCode follows Docker: 128+n for a death by signal n.</summary>
public sealed record ContainerExit(
    int ExitCode,
    int Signal,
    DateTimeOffset? StartedAt,
    DateTimeOffset FinishedAt,
    string? Error,
    bool OomKilled);

public enum ContainerState
{
    Created,
    Running,
    Exited,
}

/// <summary>A snapshot of a container's state.</summary>
public sealed record ContainerStatus(
    string Id,
    ContainerState State,
    int ShimPid,
    int InitPid,
    DateTimeOffset? StartedAt,
    ContainerExit? Exit);

/// <summary>The container could not be started; the message says which step failed.</summary>
public sealed class ContainerStartException : Exception
{
    public ContainerStartException()
    {
    }

    public ContainerStartException(string message) : base(message)
    {
    }

    public ContainerStartException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
