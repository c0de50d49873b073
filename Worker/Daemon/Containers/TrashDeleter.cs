using System.Collections.Concurrent;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// Deletes removed containers' directories, in order, on one thread of its own: a recursive
/// delete waits on the disk for milliseconds, and on the thread pool (two threads at first on
/// two cores) it would hold up the continuations of the requests being answered.
/// </summary>
internal sealed class TrashDeleter : IDisposable
{
    private readonly BlockingCollection<string> _queue = [];
    private readonly Action<string, Exception> _onFailure;
    private readonly Thread _thread;

    /// <param name="onFailure">Told about a directory that could not be deleted (it is retried at the next worker start).</param>
    public TrashDeleter(Action<string, Exception> onFailure)
    {
        _onFailure = onFailure;
        _thread = new Thread(Run) { IsBackground = true, Name = "ck-trash-deleter", Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    public void Enqueue(string directory) => _queue.Add(directory);

    /// <summary>Finishes what is queued, then stops the thread.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private void Run()
    {
        foreach (var directory in _queue.GetConsumingEnumerable())
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                _onFailure(directory, error);
            }
        }
    }
}
