using System.Collections.Concurrent;
using DotNext.Diagnostics;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// When each member last answered this manager's replication as leader. Plugged into DotNext as its failure
/// detector, which reports every answer; it never calls a member unhealthy (DotNext would then remove it from the
/// member list), it only keeps the times for <see cref="StalledLeaderGuard"/>.
/// </summary>
internal sealed class MemberResponses<TMember>(TimeProvider time)
    where TMember : notnull
{
    private readonly ConcurrentDictionary<TMember, Clock> _clocks = new();

    /// <summary>DotNext's <c>FailureDetectorFactory</c>: one clock per member per leadership, started at once.</summary>
    public IFailureDetector Create(TimeSpan lease, TMember member) => _clocks[member] = new Clock(time);

    /// <summary>
    /// Members that hold up replication rounds the others have answered: silent while this manager and the members that
    /// answered after the silent one last did make a majority of <paramref name="voters"/> (in DotNext 6.12 a round
    /// whose answers do not yet commit waits for every member, a stalled one up to the request timeout). A member that
    /// has not answered once in this leadership (typically the stalled leader this one replaced) is named after
    /// <paramref name="silentFromStart"/>; one that answered before, after the longer <paramref name="silentAfterAnswers"/>,
    /// so that a live but slow follower is not cut short. Only real answers count: the clocks start when the leadership
    /// does, one after the other, and a later start is no answer. Nobody is named right after the election, when no
    /// member has answered yet, nor when the others are silent too.
    /// </summary>
    public IReadOnlyList<TMember> HoldingUpRounds(TimeSpan silentFromStart, TimeSpan silentAfterAnswers, int voters)
    {
        var answers = _clocks.Select(pair => (Member: pair.Key, Last: pair.Value.LastAnswer, pair.Value.HasAnswered)).ToList();
        var majority = (voters / 2) + 1;
        return
        [
            .. answers
                .Where(m => time.GetElapsedTime(m.Last) >= (m.HasAnswered ? silentAfterAnswers : silentFromStart)
                    && 1 + answers.Count(other => other.HasAnswered && other.Last > m.Last) >= majority)
                .Select(m => m.Member),
        ];
    }

    private sealed class Clock(TimeProvider time) : IFailureDetector
    {
        private long _lastAnswer = time.GetTimestamp();
        private int _answered;

        public long LastAnswer => Interlocked.Read(ref _lastAnswer);

        public bool HasAnswered => Volatile.Read(ref _answered) != 0;

        public bool IsHealthy => true;

        public bool IsMonitoring => true;

        public void ReportHeartbeat()
        {
            Interlocked.Exchange(ref _lastAnswer, time.GetTimestamp());
            Volatile.Write(ref _answered, 1);
        }

        // DotNext asks for a fresh start: the clock restarts, the member still counts as having answered or not.
        public void Reset() => Interlocked.Exchange(ref _lastAnswer, time.GetTimestamp());
    }
}
