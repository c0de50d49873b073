using System.Reflection;
using DotNext.Net.Cluster.Consensus.Raft;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Closes the connection this manager holds to another member, so that a request waiting on it fails at once as
/// "member unavailable" (DotNext then reconnects for the next request). DotNext 6.12 offers
/// <c>CancelPendingRequestsAsync</c>, but it only fails queued requests and waits for the one in flight, which with a
/// stalled member lasts the whole request timeout. The connection is a private field of DotNext's connection-oriented
/// client; <see cref="IsSupported"/> says whether this DotNext build has it (checked at start-up and in tests).
/// </summary>
internal static class MemberConnection
{
    private static readonly FieldInfo? ContextField = typeof(RaftClusterMember).Assembly
        .GetType("DotNext.Net.Cluster.Consensus.Raft.NetworkTransport.ConnectionOriented.Client")
        ?.GetField("context", BindingFlags.Instance | BindingFlags.NonPublic);

    public static bool IsSupported => ContextField is not null && typeof(IDisposable).IsAssignableFrom(ContextField.FieldType);

    /// <summary>Closes the member's current connection, if it has one; false when there was none (or no support).</summary>
    public static bool Drop(RaftClusterMember member)
    {
        if (!IsSupported || ContextField!.DeclaringType!.IsInstanceOfType(member) is false)
        {
            return false;
        }

        if (ContextField.GetValue(member) is not IDisposable connection)
        {
            return false;
        }

        // The request using it fails, and clears and disposes it again itself: disposing twice is harmless.
        connection.Dispose();
        return true;
    }
}
