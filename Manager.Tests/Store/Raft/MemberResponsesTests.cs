using ClusterKit.Manager.Store.Raft;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Store.Raft;

public sealed class MemberResponsesTests
{
    private static readonly TimeSpan FromStart = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan AfterAnswers = TimeSpan.FromMilliseconds(375);

    private static (MemberResponses<string> Responses, FakeTimeProvider Time, Dictionary<string, DotNext.Diagnostics.IFailureDetector> Clocks) Leadership(params string[] members)
    {
        var time = new FakeTimeProvider();
        var responses = new MemberResponses<string>(time);
        return (responses, time, members.ToDictionary(m => m, m => responses.Create(TimeSpan.FromMilliseconds(150), m)));
    }

    [Fact]
    public void Right_after_the_election_nobody_is_named_however_long_all_stay_silent()
    {
        var (responses, time, _) = Leadership("b", "c");
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
    }

    [Fact]
    public void A_clock_started_later_is_no_answer()
    {
        // DotNext starts one replication (and one clock) per member, one after the other.
        var time = new FakeTimeProvider();
        var responses = new MemberResponses<string>(time);
        responses.Create(TimeSpan.FromMilliseconds(150), "slow");
        time.Advance(TimeSpan.FromMilliseconds(1));
        responses.Create(TimeSpan.FromMilliseconds(150), "stalled");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
    }

    [Fact]
    public void A_member_that_never_answered_is_named_once_another_answered_and_it_stayed_silent_long_enough()
    {
        var (responses, time, clocks) = Leadership("stalled", "live");
        time.Advance(TimeSpan.FromMilliseconds(20));
        clocks["live"].ReportHeartbeat();

        time.Advance(FromStart - TimeSpan.FromMilliseconds(21));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["stalled"], responses.HoldingUpRounds(FromStart, AfterAnswers, 3));

        // The live one stops answering too (its round is held up): it answered after the stalled one, so it is never named.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["stalled"], responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
    }

    [Fact]
    public void A_member_that_answered_before_gets_the_longer_limit()
    {
        var (responses, time, clocks) = Leadership("slow", "fast");
        clocks["slow"].ReportHeartbeat();
        time.Advance(TimeSpan.FromMilliseconds(10));
        clocks["fast"].ReportHeartbeat();

        // Silent 374 ms since its answer: well past the limit for a member that never answered, not past its own.
        time.Advance(AfterAnswers - TimeSpan.FromMilliseconds(11));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["slow"], responses.HoldingUpRounds(FromStart, AfterAnswers, 3));

        // Both answer again: nobody is named until one is silent that long again.
        clocks["fast"].ReportHeartbeat();
        time.Advance(TimeSpan.FromMilliseconds(1));
        clocks["slow"].ReportHeartbeat();
        time.Advance(AfterAnswers - TimeSpan.FromMilliseconds(2));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
    }

    [Fact]
    public void Members_are_named_only_when_this_manager_and_the_later_answers_make_a_majority()
    {
        // Five voters: this leader and one answering member are two, not a majority of five.
        var (responses, time, clocks) = Leadership("a", "b", "c", "d");
        time.Advance(TimeSpan.FromMilliseconds(10));
        clocks["a"].ReportHeartbeat();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 5));

        clocks["b"].ReportHeartbeat();
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["c", "d"], responses.HoldingUpRounds(FromStart, AfterAnswers, 5).Order());
    }

    [Fact]
    public void A_new_leadership_starts_every_clock_again()
    {
        var (responses, time, clocks) = Leadership("b", "c");
        time.Advance(TimeSpan.FromMilliseconds(1));
        clocks["c"].ReportHeartbeat();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["b"], responses.HoldingUpRounds(FromStart, AfterAnswers, 3));

        responses.Create(TimeSpan.FromMilliseconds(150), "b");
        responses.Create(TimeSpan.FromMilliseconds(150), "c");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(responses.HoldingUpRounds(FromStart, AfterAnswers, 3));
    }
}
