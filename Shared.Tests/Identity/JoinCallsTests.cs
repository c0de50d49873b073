using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Remote;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Shared.Tests.Identity;

public sealed class JoinCallsTests
{
    private const string Remote = "127.0.0.1:4241";

    private static RpcException Election() => new(new Status(StatusCode.Unavailable, "no leader just now: 2 of 2 managers reachable, an election is under way; try again in a moment"), ElectionUnderWay.Trailers());

    [Fact]
    public async Task A_call_refused_during_an_election_is_sent_again_until_a_leader_answers()
    {
        var attempts = 0;

        var answer = await JoinCalls.CallAsync(Remote, () => ++attempts < 3 ? throw Election() : Task.FromResult("issued"), TimeProvider.System, CancellationToken.None);

        Assert.Equal(("issued", 3), (answer, attempts));
    }

    [Fact]
    public async Task Lost_quorum_and_transport_failures_are_not_retried_and_name_the_manager()
    {
        var attempts = 0;
        var quorumLost = new RpcException(new Status(StatusCode.Unavailable, "no leader: 1 of 3 managers reachable, 2 needed"));

        var error = await Assert.ThrowsAsync<RpcException>(() => JoinCalls.CallAsync<string>(Remote, () => { attempts++; throw quorumLost; }, TimeProvider.System, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal($"the manager at {Remote} did not answer: no leader: 1 of 3 managers reachable, 2 needed", error.Status.Detail);
    }

    [Fact]
    public async Task An_election_that_outlasts_the_patience_fails_with_its_message()
    {
        var clock = new FakeTimeProvider();
        var attempts = 0;

        var error = await Assert.ThrowsAsync<RpcException>(() => JoinCalls.CallAsync<string>(Remote, () =>
        {
            attempts++;
            clock.Advance(JoinCalls.ElectionPatience);
            throw Election();
        }, clock, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.StartsWith($"the manager at {Remote} did not answer: no leader just now", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_for_another_reason_says_the_manager_refused_the_join()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => JoinCalls.CallAsync<string>(Remote, () => throw new RpcException(new Status(StatusCode.PermissionDenied, "invalid join token")), TimeProvider.System, CancellationToken.None));

        Assert.Equal($"the manager at {Remote} refused the join: invalid join token", error.Status.Detail);
    }
}
