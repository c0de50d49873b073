namespace ClusterKit.Manager.Store.Leadership;

/// <summary>One Raft term that this manager leads.</summary>
public sealed class LeaderTerm : IDisposable
{
    private readonly CancellationTokenSource _lost = new();

    public LeaderTerm(long term)
    {
        Term = term;
        Lost = _lost.Token;
    }

    /// <summary>The Raft term number.</summary>
    public long Term { get; }

    /// <summary>Cancelled when this manager stops leading the term (it stepped down, or its Raft member stopped).</summary>
    public CancellationToken Lost { get; }

    /// <summary>Whether the term has already ended for this manager.</summary>
    public bool IsOver => Lost.IsCancellationRequested;

    internal void End() => _lost.Cancel();

    public void Dispose() => _lost.Dispose();

    public override string ToString() => $"term {Term}";
}
