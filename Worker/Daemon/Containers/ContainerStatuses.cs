namespace ClusterKit.Worker.Containers;

/// <summary>The values of ContainerState.status, as Docker names them.</summary>
public static class ContainerStatuses
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Restarting = "restarting";
    public const string Exited = "exited";
    public const string Dead = "dead";
}
