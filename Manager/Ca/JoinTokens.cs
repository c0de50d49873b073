using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Ca;

/// <summary>A join token was refused; the message is the one line to show the joiner.</summary>
public sealed class JoinTokenException : Exception
{
    public JoinTokenException()
    {
    }

    public JoinTokenException(string message)
        : base(message)
    {
    }

    public JoinTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The cluster's worker and manager join secrets (immutable; each change is a new value written through Raft), plus the
/// SHA-256 of rotated secrets so that an old token gets "rotated" rather than "wrong".
/// </summary>
public sealed class JoinTokens
{
    /// <summary>How many rotated secrets per role are remembered for the "rotated" message.</summary>
    public const int RetiredKept = 8;

    public JoinTokens(string workerSecret, string managerSecret, IReadOnlyList<string> retiredWorkerSecrets, IReadOnlyList<string> retiredManagerSecrets)
    {
        CheckSecret(workerSecret, "worker");
        CheckSecret(managerSecret, "manager");
        if (workerSecret == managerSecret)
        {
            throw new ArgumentException("the worker and manager join secrets are equal; each role needs its own secret");
        }

        WorkerSecret = workerSecret;
        ManagerSecret = managerSecret;
        RetiredWorkerSecrets = [.. retiredWorkerSecrets ?? throw new ArgumentNullException(nameof(retiredWorkerSecrets))];
        RetiredManagerSecrets = [.. retiredManagerSecrets ?? throw new ArgumentNullException(nameof(retiredManagerSecrets))];
    }

    public string WorkerSecret { get; }

    public string ManagerSecret { get; }

    /// <summary>Lowercase hex SHA-256 of the rotated worker secrets, newest first.</summary>
    public IReadOnlyList<string> RetiredWorkerSecrets { get; }

    /// <summary>Lowercase hex SHA-256 of the rotated manager secrets, newest first.</summary>
    public IReadOnlyList<string> RetiredManagerSecrets { get; }

    /// <param name="random">Cryptographic randomness by default; tests pass a seeded generator.</param>
    public static JoinTokens Create(RandomNumberGenerator? random = null) =>
        new(JoinToken.NewSecret(random), JoinToken.NewSecret(random), [], []);

    /// <summary>The token a node of <paramref name="role"/> joins with, pinning the root CA <paramref name="caDigest"/>.</summary>
    public JoinToken Token(NodeRole role, string caDigest) => new(caDigest, Secret(role));

    /// <summary>A new secret for <paramref name="role"/>; its old tokens stop working and are then reported as rotated.</summary>
    public JoinTokens Rotate(NodeRole role, RandomNumberGenerator? random = null)
    {
        var fresh = JoinToken.NewSecret(random);
        return role switch
        {
            NodeRole.Worker => new(fresh, ManagerSecret, Retire(WorkerSecret, RetiredWorkerSecrets), RetiredManagerSecrets),
            NodeRole.Manager => new(WorkerSecret, fresh, RetiredWorkerSecrets, Retire(ManagerSecret, RetiredManagerSecrets)),
            _ => throw NoToken(role),
        };
    }

    /// <summary>The role <paramref name="token"/> grants, or a <see cref="JoinTokenException"/> saying why it is refused.</summary>
    /// <param name="caDigest">The digest of the root CA that signs new certificates now.</param>
    public NodeRole Verify(string token, string caDigest) =>
        TryVerify(token, caDigest, out var role, out var error) ? role : throw new JoinTokenException(error);

    public bool TryVerify(string token, string caDigest, out NodeRole role, [NotNullWhen(false)] out string? error)
    {
        role = default;
        if (!JoinToken.TryParse(token, out var parsed, out error))
        {
            return false;
        }

        if (!Equal(parsed.CaDigest, caDigest))
        {
            error = $"the token pins CA {parsed.CaDigest}, but this cluster's CA is {caDigest}: it is another cluster's token, " +
                "or one from before a CA rotation; ask a manager for the current one with `ck cluster join-token worker`";
            return false;
        }

        // Both compares always run, in constant time, so the timing says nothing about either secret.
        var isWorker = Equal(parsed.Secret, WorkerSecret);
        var isManager = Equal(parsed.Secret, ManagerSecret);
        if (isWorker || isManager)
        {
            role = isWorker ? NodeRole.Worker : NodeRole.Manager;
            error = null;
            return true;
        }

        var digest = Hash(parsed.Secret);
        var retiredWorker = RetiredWorkerSecrets.Aggregate(false, (found, old) => Equal(old, digest) | found);
        var retiredManager = RetiredManagerSecrets.Aggregate(false, (found, old) => Equal(old, digest) | found);
        error = retiredWorker || retiredManager
            ? $"the token was rotated; ask a manager for the current one with `ck cluster join-token {(retiredWorker ? "worker" : "manager")}`"
            : "the token's secret is neither this cluster's worker nor its manager secret; " +
              "ask a manager for a token with `ck cluster join-token worker` (or `manager`)";
        return false;
    }

    private string Secret(NodeRole role) => role switch
    {
        NodeRole.Worker => WorkerSecret,
        NodeRole.Manager => ManagerSecret,
        _ => throw NoToken(role),
    };

    private static ArgumentException NoToken(NodeRole role) =>
        new($"there is no join token for role {NodeIdentity.RoleName(role)}; allowed: worker, manager (admin certificates come from `ck cluster init`)");

    private static string[] Retire(string secret, IReadOnlyList<string> retired) => [Hash(secret), .. retired.Take(RetiredKept - 1)];

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));

    private static bool Equal(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static void CheckSecret(string secret, string role)
    {
        ArgumentNullException.ThrowIfNull(secret);
        try
        {
            // The token's own rules for a secret; the digest part is a placeholder of the right shape.
            _ = new JoinToken(new string('0', CertificateDigest.Length), secret);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{role} join {e.Message}", e);
        }
    }
}
