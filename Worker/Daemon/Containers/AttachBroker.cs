using System.Collections.Concurrent;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Runtime;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// Hands attach connections to `run -it` clients. A client that attaches before the container
/// starts waits here; the launch connects it in the window between "namespaces exist" and
/// "the command executes", so not a byte of the first output is missed.
/// </summary>
public sealed class AttachBroker
{
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource<AttachClient>>> _pending = new(StringComparer.Ordinal);

    /// <summary>Connects now if the container runs, else when it next starts.</summary>
    public Task<AttachClient> WaitForAttachAsync(ContainerRecord record, string attachSocket, bool running, CancellationToken cancellationToken)
    {
        if (running)
        {
            return AttachClient.ConnectAsync(attachSocket, cancellationToken);
        }

        // Registered synchronously, before the caller tells its client to start the container.
        var waiter = new TaskCompletionSource<AttachClient>(TaskCreationOptions.RunContinuationsAsynchronously);
        var list = _pending.GetOrAdd(record.Info.Id, _ => []);
        lock (list)
        {
            list.Add(waiter);
        }

        return WaitAsync(waiter, cancellationToken);
    }

    private static async Task<AttachClient> WaitAsync(TaskCompletionSource<AttachClient> waiter, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
        return await waiter.Task;
    }

    /// <summary>Called by the launch before the container's command runs.</summary>
    public async Task ConnectWaitingAsync(string containerId, string attachSocket, CancellationToken cancellationToken)
    {
        if (!_pending.TryRemove(containerId, out var list))
        {
            return;
        }

        List<TaskCompletionSource<AttachClient>> waiters;
        lock (list)
        {
            waiters = [.. list];
        }

        foreach (var waiter in waiters.Where(w => !w.Task.IsCompleted))
        {
            try
            {
                var client = await AttachClient.ConnectAsync(attachSocket, cancellationToken);
                if (!waiter.TrySetResult(client))
                {
                    await client.DisposeAsync();
                }
            }
            catch (Exception error) when (error is IOException or System.Net.Sockets.SocketException)
            {
                waiter.TrySetException(error);
            }
        }
    }
}
