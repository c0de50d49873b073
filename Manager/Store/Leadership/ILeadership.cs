namespace ClusterKit.Manager.Store.Leadership;

/// <summary>
/// Whether this manager leads, as one signal for everything that only the leader may do: the term it
/// leads now, a token cancelled when it steps down, and an event at each start and end of a term.
/// </summary>
public interface ILeadership
{
    /// <summary>The term this manager leads now, or null while it follows (or before it is a Raft member).</summary>
    LeaderTerm? Current { get; }

    /// <summary>Raised when this manager starts leading a term. Handlers run on Raft's thread: keep them short.</summary>
    event EventHandler<LeaderTerm>? TermStarted;

    /// <summary>Raised after the term's <see cref="LeaderTerm.Lost"/> token was cancelled.</summary>
    event EventHandler<LeaderTerm>? TermEnded;

    /// <summary>The term this manager leads now, or the next one it will lead.</summary>
    Task<LeaderTerm> WaitForTermAsync(CancellationToken token);
}
