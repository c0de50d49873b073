using System.Collections.Concurrent;
using ClusterKit.Manager.Host.Leadership;
using ClusterKit.Manager.Store.Leadership;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Host.Leadership;

/// <summary>The leader services host, driven by a leadership signal fed by hand (no Raft).</summary>
public sealed class LeaderServicesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Services_start_on_gaining_leadership_stop_and_are_awaited_on_losing_it_and_start_again_in_the_next_term()
    {
        using var signal = new LeadershipSignal();
        var first = new RecordingLeaderService("a");
        var second = new RecordingLeaderService("b");
        using var host = new LeaderServices(signal, [first, second], NullLogger<LeaderServices>.Instance);
        await host.StartAsync(CancellationToken.None);
        try
        {
            // As a follower nothing runs: the first thing any service sees is term 3.
            signal.Observe(null);
            signal.Observe(3);
            await first.WaitForAsync("a start 3", Wait);
            await second.WaitForAsync("b start 3", Wait);

            // Step-down: each service's token is cancelled, and the next term starts nothing until both returned.
            second.HoldStop();
            signal.Observe(null);
            await first.WaitForAsync("a stopped 3", Wait);
            await second.WaitForAsync("b stopping 3", Wait);
            signal.Observe(4);
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            Assert.DoesNotContain("a start 4", first.Events);
            second.ReleaseStop();
            await first.WaitForAsync("a start 4", Wait);
            await second.WaitForAsync("b start 4", Wait);

            Assert.Equal(["a start 3", "a stopped 3", "a start 4"], first.Events);
            Assert.Equal(["b start 3", "b stopping 3", "b stopped 3", "b start 4"], second.Events);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        // The manager stopping while it leads stops the services too, without ending the term.
        Assert.Equal("a stopped 4", first.Events[^1]);
        Assert.Equal("b stopped 4", second.Events[^1]);
        Assert.False(signal.Current!.IsOver);
    }

    [Fact]
    public async Task A_failing_service_does_not_stop_the_others_and_runs_again_in_the_next_term()
    {
        using var signal = new LeadershipSignal();
        var failing = new RecordingLeaderService("f") { FailInTerm = 1 };
        var healthy = new RecordingLeaderService("h");
        using var host = new LeaderServices(signal, [failing, healthy], NullLogger<LeaderServices>.Instance);
        await host.StartAsync(CancellationToken.None);
        try
        {
            signal.Observe(1);
            await failing.WaitForAsync("f failed 1", Wait);
            await healthy.WaitForAsync("h start 1", Wait);
            signal.Observe(2);
            await healthy.WaitForAsync("h stopped 1", Wait);
            await failing.WaitForAsync("f start 2", Wait);
            await healthy.WaitForAsync("h start 2", Wait);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private sealed class RecordingLeaderService(string name) : ILeaderService
    {
        private readonly ConcurrentQueue<string> _events = new();
        private TaskCompletionSource _stopGate = Released();

        public long FailInTerm { get; init; } = -1;

        public IReadOnlyList<string> Events => [.. _events];

        public void HoldStop() => _stopGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseStop() => _stopGate.TrySetResult();

        public async Task LeadAsync(LeaderTerm term, CancellationToken stepDown)
        {
            Record($"{name} start {term.Term}");
            if (term.Term == FailInTerm)
            {
                Record($"{name} failed {term.Term}");
                throw new InvalidOperationException("a leader service that fails");
            }

            try
            {
                await Task.Delay(Timeout.Infinite, stepDown);
            }
            catch (OperationCanceledException)
            {
            }

            if (!_stopGate.Task.IsCompleted)
            {
                Record($"{name} stopping {term.Term}");
                await _stopGate.Task;
            }

            Record($"{name} stopped {term.Term}");
        }

        public async Task WaitForAsync(string expected, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (!_events.Contains(expected))
            {
                if (DateTime.UtcNow > until)
                {
                    Assert.Fail($"'{expected}' did not happen within {timeout.TotalSeconds} s; events: {string.Join(", ", _events)}");
                }

                await Task.Delay(10);
            }
        }

        private void Record(string text) => _events.Enqueue(text);

        private static TaskCompletionSource Released()
        {
            var released = new TaskCompletionSource();
            released.SetResult();
            return released;
        }
    }
}
