namespace ClusterKit.Shared.Identity;

/// <summary>The verdict on a peer's certificate: the peer's identity when accepted, a one-line reason when refused.</summary>
public sealed record PeerValidationResult
{
    private PeerValidationResult(NodeIdentity? peer, string? reason)
    {
        Peer = peer;
        Reason = reason;
    }

    /// <summary>The identity in the certificate's subject, when it had one (also on some refusals, for logging).</summary>
    public NodeIdentity? Peer { get; }

    /// <summary>Why the certificate was refused; null when accepted.</summary>
    public string? Reason { get; }

    public bool IsAccepted => Reason is null;

    public static PeerValidationResult Accepted(NodeIdentity peer) => new(peer ?? throw new ArgumentNullException(nameof(peer)), null);

    public static PeerValidationResult Refused(string reason, NodeIdentity? peer = null) => new(peer, reason ?? throw new ArgumentNullException(nameof(reason)));

    public override string ToString() => IsAccepted ? $"accepted {Peer}" : $"refused: {Reason}";
}
