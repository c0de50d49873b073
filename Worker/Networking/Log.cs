using System.Net;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Networking;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Bridge {Bridge} ready with {Gateway}/{PrefixLength}, table {Table} applied")]
    public static partial void BridgeReady(ILogger logger, string bridge, IPAddress gateway, int prefixLength, string table);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Attached container {ContainerId} as {Address} via {HostInterface} with {PortCount} published ports in {ElapsedMs:F1} ms")]
    public static partial void Attached(ILogger logger, string containerId, IPAddress address, string hostInterface, int portCount, double elapsedMs);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Detached container {ContainerId} ({HostInterface})")]
    public static partial void Detached(ILogger logger, string containerId, string hostInterface);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Removed stray interface {HostInterface} from bridge {Bridge}: no known container owns it")]
    public static partial void RemovedStray(ILogger logger, string hostInterface, string bridge);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Rebuilt networking for {Count} containers")]
    public static partial void Rebuilt(ILogger logger, int count);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Attach of container {ContainerId} failed; undoing it")]
    public static partial void AttachFailed(ILogger logger, Exception error, string containerId);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Could not undo the failed attach of container {ContainerId}; the next rebuild removes what is left")]
    public static partial void UndoFailed(ILogger logger, Exception error, string containerId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Removed bridge {Bridge} and table {Table}")]
    public static partial void TornDown(ILogger logger, string bridge, string table);
}
