namespace ClusterKit.Worker.Containers;

/// <summary>No container has this id, id prefix or name.</summary>
public sealed class ContainerNotFoundException : Exception
{
    public ContainerNotFoundException(string idOrName)
        : base($"no such container: '{idOrName}' (give an id, a unique id prefix or a name; 'ck container ps -a' lists them)")
    {
    }

    public ContainerNotFoundException()
    {
    }

    public ContainerNotFoundException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The request conflicts with the container's state or another container (name in use, still running, ...).</summary>
public sealed class ContainerConflictException : Exception
{
    public ContainerConflictException(string message) : base(message)
    {
    }

    public ContainerConflictException()
    {
    }

    public ContainerConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
