using System.Collections.Concurrent;
using DotNext.Diagnostics;
using DotNext.Net.Cluster.Consensus.Raft;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// When each member last answered this manager's replication as leader. Plugged into DotNext as its failure
/// detector, which reports every successful answer; it never calls a member unhealthy (DotNext would then remove it
/// from the member list), it only keeps the time for <see cref="StalledLeaderGuard"/>.
/// </summary>
internal sealed class MemberResponses(TimeProvider time)
{
    private readonly ConcurrentDictionary<RaftClusterMember, Clock> _clocks = new();

    /// <summary>DotNext's <c>FailureDetectorFactory</c>: one clock per member per leadership, started at once.</summary>
    public IFailureDetector Create(TimeSpan lease, RaftClusterMember member) => _clocks[member] = new Clock(time);

    /// <summary>Members that have not answered a replication request for at least <paramref name="silence"/>.</summary>
    public IEnumerable<RaftClusterMember> SilentFor(TimeSpan silence)
        => _clocks.Where(pair => time.GetElapsedTime(pair.Value.LastAnswer) >= silence).Select(pair => pair.Key);

    private sealed class Clock(TimeProvider time) : IFailureDetector
    {
        private long _lastAnswer = time.GetTimestamp();

        public long LastAnswer => Interlocked.Read(ref _lastAnswer);

        public bool IsHealthy => true;

        public bool IsMonitoring => true;

        public void ReportHeartbeat() => Interlocked.Exchange(ref _lastAnswer, time.GetTimestamp());

        public void Reset() => ReportHeartbeat();
    }
}
