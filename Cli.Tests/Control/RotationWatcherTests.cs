using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;
using static ClusterKit.Cli.Tests.Control.RotationProgressTextTests;

namespace ClusterKit.Cli.Tests.Control;

public sealed class RotationWatcherTests
{
    [Fact]
    public async Task Progress_is_told_once_per_change_until_the_old_root_is_gone()
    {
        var now = DateTimeOffset.UtcNow;
        var start = Rotating(3, Pending("a", "w1", NodeRole.Worker, NodeState.Ready, now, false), Pending("m", "m1", NodeRole.Manager, NodeState.Ready, now, false));
        var sameAgain = start.Clone();
        var oneLeft = Rotating(3, Pending("m", "m1", NodeRole.Manager, NodeState.Ready, now, false));
        var done = new ClusterInfo { Nodes = 3 };
        done.RootDigests.Add("new");
        var looks = new Queue<Func<ClusterInfo>>([
            () => sameAgain,
            () => throw new RpcException(new Status(StatusCode.Unavailable, "no leader")),
            () => throw new RpcException(new Status(StatusCode.Unavailable, "no leader")),
            () => oneLeft,
            () => done,
        ]);
        var output = new StringWriter { NewLine = "\n" };
        var watcher = new RotationWatcher(_ => Task.FromResult(looks.Dequeue()()), output, TimeProvider.System, TimeSpan.FromMilliseconds(1));

        var last = await watcher.WaitAsync(start, CancellationToken.None);

        Assert.Same(done, last);
        Assert.Empty(looks);
        Assert.Equal(
            "CA rotation: waiting for 2 of 3 nodes: w1 (worker, ready, renewing), m1 (manager, ready, moves after the workers)\n" +
            "(the manager cannot answer just now: no leader; asking again)\n" +
            "w1 (worker) is off the old root (renewed, or removed from the cluster)\n" +
            "CA rotation: waiting for 1 of 3 nodes: m1 (manager, ready, renewing)\n" +
            "m1 (manager) is off the old root (renewed, or removed from the cluster)\n",
            output.ToString());
    }

    [Fact]
    public async Task An_error_that_stays_ends_the_wait()
    {
        var start = Rotating(1, Pending("a", "w1", NodeRole.Worker, NodeState.Ready, DateTimeOffset.UtcNow, false));
        var watcher = new RotationWatcher(
            _ => throw new RpcException(new Status(StatusCode.PermissionDenied, "admin certificate refused")),
            TextWriter.Null,
            TimeProvider.System,
            TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<RpcException>(() => watcher.WaitAsync(start, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Interrupting_the_wait_cancels_only_the_wait()
    {
        var start = Rotating(1, Pending("a", "w1", NodeRole.Worker, NodeState.Ready, DateTimeOffset.UtcNow, false));
        using var interrupt = new CancellationTokenSource();
        var looks = 0;
        var watcher = new RotationWatcher(
            _ =>
            {
                if (++looks == 2)
                {
                    interrupt.Cancel();
                }

                return Task.FromResult(start);
            },
            TextWriter.Null,
            TimeProvider.System,
            TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watcher.WaitAsync(start, interrupt.Token));
        Assert.Equal(2, looks);
    }

    [Fact]
    public async Task A_call_cut_short_by_the_interrupt_is_an_interrupt_not_an_error()
    {
        var start = Rotating(1, Pending("a", "w1", NodeRole.Worker, NodeState.Ready, DateTimeOffset.UtcNow, false));
        using var interrupt = new CancellationTokenSource();
        var watcher = new RotationWatcher(
            _ =>
            {
                interrupt.Cancel();
                throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
            },
            TextWriter.Null,
            TimeProvider.System,
            TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watcher.WaitAsync(start, interrupt.Token));
    }
}
