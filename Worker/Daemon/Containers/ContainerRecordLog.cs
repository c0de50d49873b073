namespace ClusterKit.Worker.Containers;

/// <summary>Log lines of <see cref="ContainerRecordStore"/>, which has no logger of its own.</summary>
internal static partial class ContainerRecordLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "could not write the state of container {Id} to its record; the next change writes it again")]
    public static partial void StateWriteFailed(ILogger logger, string id, Exception error);
}
