namespace ClusterKit.Worker.Images.Store;

/// <summary>
/// One download per blob digest in a process: the first caller runs it, later callers await the
/// same task. The entry goes once the download ends, whichever way.
/// </summary>
internal sealed class BlobDownloads
{
    private readonly Dictionary<string, Task<bool>> _running = new(StringComparer.Ordinal);

    /// <summary>
    /// The running download of <paramref name="digest"/>, or <paramref name="download"/> started now;
    /// <c>Owner</c> is true for the caller that started it.
    /// </summary>
    public (Task<bool> Download, bool Owner) Join(string digest, Func<Task<bool>> download)
    {
        TaskCompletionSource<bool> started;
        lock (_running)
        {
            if (_running.TryGetValue(digest, out var running))
            {
                return (running, false);
            }

            started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _running[digest] = started.Task;
        }

        return (RunAsync(digest, download, started), true);
    }

    public int Running
    {
        get
        {
            lock (_running)
            {
                return _running.Count;
            }
        }
    }

    private async Task<bool> RunAsync(string digest, Func<Task<bool>> download, TaskCompletionSource<bool> started)
    {
        try
        {
            var added = await download();
            started.SetResult(added);
            return added;
        }
        catch (OperationCanceledException ex)
        {
            started.SetCanceled(ex.CancellationToken);
            throw;
        }
        catch (Exception ex)
        {
            started.SetException(ex);
            throw;
        }
        finally
        {
            lock (_running)
            {
                _running.Remove(digest);
            }
        }
    }
}
