using System.Reflection;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Threading;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Closes the connection this manager holds to another member while a request waits on it, so that the request fails
/// at once as "member unavailable" (DotNext then reconnects for the next request). DotNext 6.12 offers
/// <c>CancelPendingRequestsAsync</c>, but it only fails queued requests and waits for the one in flight, which with a
/// stalled member lasts the whole request timeout. The connection and the lock a request holds while it uses it are
/// private fields of DotNext's connection-oriented client; <see cref="IsSupported"/> says whether this DotNext build has
/// them (checked at start-up and in tests).
/// </summary>
internal static class MemberConnection
{
    private static readonly Type? ClientType = typeof(RaftClusterMember).Assembly
        .GetType("DotNext.Net.Cluster.Consensus.Raft.NetworkTransport.ConnectionOriented.Client");

    private static readonly FieldInfo? ContextField = ClientType?.GetField("context", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly FieldInfo? RequestLockField = ClientType?.GetField("accessLock", BindingFlags.Instance | BindingFlags.NonPublic);

    public static bool IsSupported => ContextField is not null && typeof(IDisposable).IsAssignableFrom(ContextField.FieldType)
        && RequestLockField?.FieldType == typeof(AsyncExclusiveLock);

    /// <summary>
    /// Closes the member's connection if a request is using it; false when none is (or no support). An idle connection is
    /// left alone: DotNext keeps using a connection it has not seen fail, so closing one between requests would make the
    /// next request (a vote, say) fail for nothing.
    /// </summary>
    public static bool Drop(RaftClusterMember member)
    {
        if (!IsSupported || !ClientType!.IsInstanceOfType(member))
        {
            return false;
        }

        if (RequestLockField!.GetValue(member) is not AsyncExclusiveLock { IsLockHeld: true }
            || ContextField!.GetValue(member) is not IDisposable connection)
        {
            return false;
        }

        // The request using it fails, and clears and disposes it again itself: disposing twice is harmless.
        connection.Dispose();
        return true;
    }
}
