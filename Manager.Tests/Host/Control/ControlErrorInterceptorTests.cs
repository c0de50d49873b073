using System.Net;
using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Shared.Remote;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Host.Control;

public sealed class ControlErrorInterceptorTests
{
    private static readonly RaftMemberView[] OneOfThree =
    [
        new(new IPEndPoint(IPAddress.Loopback, 4001), IsSelf: true, IsLeader: false, Reachable: true),
        new(new IPEndPoint(IPAddress.Loopback, 4002), IsSelf: false, IsLeader: false, Reachable: false),
        new(new IPEndPoint(IPAddress.Loopback, 4003), IsSelf: false, IsLeader: false, Reachable: false),
    ];

    private static Status Map(Exception error, bool cancelled = false) => ControlErrorInterceptor.StatusFor(error, cancelled, () => OneOfThree);

    [Fact]
    public void No_leader_is_unavailable_and_says_how_many_managers_are_reachable()
    {
        var status = Map(new LeaderUnavailableException("no leader is elected"));

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
        Assert.StartsWith("no leader: 1 of 3 managers reachable, 2 needed", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_refusal_during_an_election_is_marked_for_a_retry()
    {
        var all = OneOfThree.Select(m => m with { Reachable = true }).ToArray();

        var election = ControlErrorInterceptor.ExceptionFor(new LeaderUnavailableException("no leader is elected"), callCancelled: false, () => all);
        var quorumLost = ControlErrorInterceptor.ExceptionFor(new LeaderUnavailableException("no leader is elected"), callCancelled: false, () => OneOfThree);
        var timedOut = ControlErrorInterceptor.ExceptionFor(new TimeoutException(), callCancelled: false, () => all);
        var conflict = ControlErrorInterceptor.ExceptionFor(new StoreConflictException("node x changed"), callCancelled: false, () => all);

        Assert.True(ElectionUnderWay.IsMarked(election));
        Assert.False(ElectionUnderWay.IsMarked(quorumLost));
        Assert.False(ElectionUnderWay.IsMarked(timedOut)); // a write that timed out may still commit: not blindly repeated
        Assert.False(ElectionUnderWay.IsMarked(conflict));
        Assert.True(ElectionUnderWay.IsMarked(NoLeader.Refusal(all)));
        Assert.False(ElectionUnderWay.IsMarked(NoLeader.Refusal(OneOfThree)));
    }

    [Fact]
    public void An_election_with_a_majority_reachable_says_to_try_again()
    {
        var all = OneOfThree.Select(m => m with { Reachable = true }).ToArray();

        var status = ControlErrorInterceptor.StatusFor(new LeaderUnavailableException("x"), callCancelled: false, () => all);

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
        Assert.Equal("no leader just now: 3 of 3 managers reachable, an election is under way; try again in a moment", status.Detail);
    }

    [Theory]
    [MemberData(nameof(ExpectedFailures))]
    public void Expected_failures_get_their_own_status_with_the_message(Exception error, StatusCode code)
    {
        var status = Map(error);

        Assert.Equal(code, status.StatusCode);
        Assert.Contains(error.Message, status.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<Exception, StatusCode> ExpectedFailures() => new()
    {
        { new StoreConflictException("node n1 changed"), StatusCode.Aborted },
        { new InvalidStoreObjectException("a task without an id"), StatusCode.InvalidArgument },
        { new ArgumentException("--availability 'x' is unknown"), StatusCode.InvalidArgument },
        { new MembershipChangeException("a change is already under way"), StatusCode.FailedPrecondition },
        { new JoinTokenException("the token was rotated"), StatusCode.PermissionDenied },
    };

    [Fact]
    public void A_call_the_caller_cancelled_is_cancelled_and_a_timeout_is_unavailable()
    {
        Assert.Equal(StatusCode.Cancelled, Map(new OperationCanceledException(), cancelled: true).StatusCode);
        Assert.Equal(StatusCode.Unavailable, Map(new TimeoutException()).StatusCode);
    }

    [Fact]
    public void Only_a_bug_stays_internal()
    {
        var status = Map(new KeyNotFoundException("boom"));

        Assert.Equal(StatusCode.Internal, status.StatusCode);
        Assert.Contains("KeyNotFoundException: boom", status.Detail, StringComparison.Ordinal);
    }
}
