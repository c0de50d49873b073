using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// One thread that waits on the pidfds of every watched process (children or not, e.g. shims
/// adopted after a worker restart), so an exit is seen at once without a thread per container.
/// </summary>
internal sealed class ProcessExitWatcher : IDisposable
{
    private readonly ISystemCalls _systemCalls;
    private readonly Dictionary<int, TaskCompletionSource> _watches = [];
    private readonly object _lock = new();
    private int _wakeFd = -1;
    private Thread? _thread;
    private bool _disposed;

    public ProcessExitWatcher(ISystemCalls systemCalls)
    {
        _systemCalls = systemCalls;
    }

    /// <summary>Completes when the process behind <paramref name="pidfd"/> exits; takes ownership of the descriptor.</summary>
    public Task Watch(int pidfd)
    {
        if (pidfd < 0)
        {
            return Task.CompletedTask;
        }

        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_thread is null)
            {
                _wakeFd = _systemCalls.CreateEventDescriptor();
                _thread = new Thread(Run) { IsBackground = true, Name = "ck-exit-watcher" };
                _thread.Start();
            }

            _watches.Add(pidfd, exited);
        }

        _systemCalls.SignalEventDescriptor(_wakeFd);
        return exited.Task;
    }

    private void Run()
    {
        while (true)
        {
            int[] fds;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                fds = [_wakeFd, .. _watches.Keys];
            }

            var ready = new bool[fds.Length];
            _systemCalls.WaitReadable(fds, ready, -1);
            if (ready[0])
            {
                _systemCalls.ResetEventDescriptor(_wakeFd);
            }

            for (var i = 1; i < fds.Length; i++)
            {
                if (!ready[i])
                {
                    continue;
                }

                TaskCompletionSource? exited;
                lock (_lock)
                {
                    _watches.Remove(fds[i], out exited);
                }

                // A shim this worker spawned is its child: collect it, or it stays a zombie.
                _systemCalls.ReapChild(fds[i]);
                _systemCalls.CloseDescriptor(fds[i]);
                exited?.TrySetResult();
            }
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _thread;
        }

        if (thread is not null)
        {
            _systemCalls.SignalEventDescriptor(_wakeFd);
            thread.Join();
            _systemCalls.CloseDescriptor(_wakeFd);
        }

        foreach (var (fd, exited) in _watches)
        {
            _systemCalls.CloseDescriptor(fd);
            exited.TrySetCanceled();
        }
    }
}
