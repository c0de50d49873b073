using System.Threading.Channels;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Store.Raft;

public sealed class GroupCommitOptions
{
    /// <summary>Transactions in one log entry at most.</summary>
    public int MaxTransactions { get; init; } = 1024;

    /// <summary>Bytes of one log entry at most (a single larger transaction still goes alone).</summary>
    public int MaxBytes { get; init; } = 1024 * 1024;

    /// <summary>Batches replicating at once: one fills while another flushes.</summary>
    public int MaxInFlight { get; init; } = 2;

    public void Validate()
    {
        if (MaxTransactions < 1)
        {
            throw new ArgumentException($"group commit: MaxTransactions {MaxTransactions} is invalid; allowed: 1 or more");
        }

        if (MaxBytes < 1024)
        {
            throw new ArgumentException($"group commit: MaxBytes {MaxBytes} is invalid; allowed: 1024 or more");
        }

        if (MaxInFlight is < 1 or > 16)
        {
            throw new ArgumentException($"group commit: MaxInFlight {MaxInFlight} is invalid; allowed: 1 to 16");
        }
    }
}

/// <summary>
/// Group commit: concurrent writers queue their transactions; a loop takes whatever is queued
/// into one <see cref="LogBatch"/>, replicates it as one log entry (one disk flush on each
/// manager) and completes every writer with its own transaction's verdict.
/// </summary>
internal sealed partial class GroupCommitter : IAsyncDisposable
{
    private readonly Channel<Group> _queue = Channel.CreateUnbounded<Group>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<ReadOnlyMemory<byte>, BatchContext, CancellationToken, ValueTask> _replicate;
    private readonly GroupCommitOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _batches;
    private long _transactions;

    public GroupCommitter(Func<ReadOnlyMemory<byte>, BatchContext, CancellationToken, ValueTask> replicate, GroupCommitOptions options, ILogger logger)
    {
        options.Validate();
        _replicate = replicate;
        _options = options;
        _logger = logger;
        _inFlight = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Log entries replicated so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Transactions carried by those entries.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    public Task<StoreCommitResult> SubmitAsync(Transaction transaction, CancellationToken token)
    {
        var pending = new Pending(transaction);
        Enqueue([pending], pending.Size, token);
        return pending.Completion.Task;
    }

    /// <summary>
    /// Queues transactions that must stay together (a follower's forwarded batch): each part of
    /// at most the entry limits goes into one log entry whole. One verdict task per transaction, in order.
    /// </summary>
    public Task<StoreCommitResult>[] SubmitGroup(IReadOnlyList<Transaction> transactions, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var all = new Pending[transactions.Count];
        var start = 0;
        var bytes = 0;
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = new Pending(transactions[i]);
            if (i > start && (i - start == _options.MaxTransactions || bytes + all[i].Size > _options.MaxBytes))
            {
                Enqueue(all[start..i], bytes, token);
                start = i;
                bytes = 0;
            }

            bytes += all[i].Size;
        }

        if (start < all.Length)
        {
            Enqueue(all[start..], bytes, token);
        }

        return [.. all.Select(p => p.Completion.Task)];
    }

    private void Enqueue(Pending[] group, int bytes, CancellationToken token)
    {
        if (!_queue.Writer.TryWrite(new Group(group, bytes)))
        {
            throw new ObjectDisposedException(nameof(GroupCommitter), "the manager is shutting down");
        }

        if (token.CanBeCanceled)
        {
            // The transactions may still commit; the callers just stop waiting for the verdicts.
            var registration = token.Register(static g => Array.ForEach((Pending[])g!, p => p.Completion.TrySetCanceled()), group);
            Task done = group.Length == 1 ? group[0].Completion.Task : Task.WhenAll(group.Select(p => p.Completion.Task));
            done.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, TaskScheduler.Default);
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                await _inFlight.WaitAsync(_stop.Token).ConfigureAwait(false);
                var batch = new List<Pending>();
                var bytes = 0;
                while (reader.TryPeek(out var next)
                    && (batch.Count == 0 || (batch.Count + next.Items.Length <= _options.MaxTransactions && bytes + next.Size <= _options.MaxBytes))
                    && reader.TryRead(out next))
                {
                    batch.AddRange(next.Items);
                    bytes += next.Size;
                }

                if (batch.Count == 0)
                {
                    _inFlight.Release();
                    continue;
                }

                _ = ReplicateAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }

        while (reader.TryRead(out var left))
        {
            Array.ForEach(left.Items, p => p.Completion.TrySetException(new ObjectDisposedException(nameof(GroupCommitter), "the manager is shutting down")));
        }
    }

    private async Task ReplicateAsync(List<Pending> batch)
    {
        try
        {
            var entry = new LogBatch();
            foreach (var p in batch)
            {
                entry.Transactions.Add(p.Transaction);
            }

            var context = new BatchContext();
            await _replicate(entry.ToByteArray(), context, _stop.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _transactions, batch.Count);
            var results = context.Results;
            if (results is null || results.Length != batch.Count)
            {
                // The entry committed but this manager did not apply it with our context (it cannot happen
                // while ReplicateAsync waits for the local apply); the writers cannot learn their verdicts.
                var error = new InvalidOperationException("a store batch committed without its per-transaction results; the outcome of these writes is unknown");
                foreach (var p in batch)
                {
                    p.Completion.TrySetException(error);
                }

                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            LogBatchFailed(_logger, batch.Count, e.GetType().Name, e.Message);
            foreach (var p in batch)
            {
                p.Completion.TrySetException(e);
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // Let the batches still replicating finish failing (they observe the cancelled token).
        for (var i = 0; i < _options.MaxInFlight; i++)
        {
            await _inFlight.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _inFlight.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A store batch of {Count} transactions failed to replicate: {Error}: {Message}")]
    private static partial void LogBatchFailed(ILogger logger, int count, string error, string message);

    private sealed class Pending(Transaction transaction)
    {
        public Transaction Transaction { get; } = transaction;

        public int Size { get; } = transaction.CalculateSize();

        public TaskCompletionSource<StoreCommitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Transactions queued as one item: a batch takes all of them or none.</summary>
    private sealed class Group(Pending[] items, int size)
    {
        public Pending[] Items { get; } = items;

        public int Size { get; } = size;
    }
}
