using ClusterKit.Manager.Store.Leadership;

namespace ClusterKit.Manager.Tests.Store.Leadership;

public sealed class LeadershipSignalTests
{
    [Fact]
    public void A_term_starts_once_ends_with_its_token_and_the_next_term_is_a_new_one()
    {
        using var signal = new LeadershipSignal();
        var events = new List<string>();
        signal.TermStarted += (_, t) => events.Add($"start {t.Term}");
        signal.TermEnded += (_, t) => events.Add($"end {t.Term} lost={t.Lost.IsCancellationRequested}");

        signal.Observe(null);
        Assert.Null(signal.Current);
        signal.Observe(3);
        var three = signal.Current!;
        signal.Observe(3);
        Assert.Same(three, signal.Current);
        Assert.False(three.IsOver);

        // Re-elected in a later term without an observed gap: the old term ends before the new one starts.
        signal.Observe(5);
        Assert.True(three.Lost.IsCancellationRequested);
        var five = signal.Current!;
        Assert.Equal(5, five.Term);
        signal.Observe(null);
        Assert.True(five.IsOver);
        Assert.Null(signal.Current);

        Assert.Equal(["start 3", "end 3 lost=True", "start 5", "end 5 lost=True"], events);
    }

    [Fact]
    public async Task Waiting_for_a_term_returns_the_current_one_or_the_next()
    {
        using var signal = new LeadershipSignal();
        var waiting = signal.WaitForTermAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Observe(7);
        var seven = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, seven.Term);
        Assert.Same(seven, await signal.WaitForTermAsync(CancellationToken.None));

        signal.Observe(null);
        var next = signal.WaitForTermAsync(CancellationToken.None);
        Assert.False(next.IsCompleted);
        signal.Observe(9);
        Assert.Equal(9, (await next.WaitAsync(TimeSpan.FromSeconds(10))).Term);

        using var cancel = new CancellationTokenSource();
        signal.Observe(null);
        var cancelled = signal.WaitForTermAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }
}
