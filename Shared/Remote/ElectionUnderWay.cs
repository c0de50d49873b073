using Grpc.Core;

namespace ClusterKit.Shared.Remote;

/// <summary>
/// The mark a manager puts on a call it refused only because an election was under way (a majority of managers
/// reachable, no leader yet): the same call may be sent again in a moment and will likely succeed. A call refused
/// for lost quorum carries no mark, since waiting would not help, and neither does a transport failure (a wrong
/// address or a stopped manager), which the caller should hear about at once.
/// </summary>
public static class ElectionUnderWay
{
    public const string TrailerName = "ck-election-under-way";

    public static Metadata Trailers() => new() { { TrailerName, "1" } };

    public static bool IsMarked(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode == StatusCode.Unavailable && error.Trailers.Get(TrailerName) is not null;
    }
}
