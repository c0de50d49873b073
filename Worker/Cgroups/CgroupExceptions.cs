namespace ClusterKit.Worker.Cgroups;

/// <summary>A resource limit or a resource string is out of range or malformed; the message is fit to show a user.</summary>
public sealed class InvalidResourceLimitException : ArgumentException
{
    public InvalidResourceLimitException(string limit, string message)
        : base(message)
    {
        Limit = limit;
    }

    public InvalidResourceLimitException()
    {
        Limit = string.Empty;
    }

    public InvalidResourceLimitException(string message)
        : base(message)
    {
        Limit = string.Empty;
    }

    public InvalidResourceLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
        Limit = string.Empty;
    }

    /// <summary>Which limit: memory, cpus, cpu-shares, pids-limit.</summary>
    public string Limit { get; }
}

/// <summary>A cgroup file or directory could not be created, written, read or removed.</summary>
public sealed class CgroupException : Exception
{
    public CgroupException()
    {
    }

    public CgroupException(string message)
        : base(message)
    {
    }

    public CgroupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
