using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Store.Sealing;
using Cluster = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// The secrets of the cluster object (root keys, join secrets, unlock key) sealed with the data key
/// and opened again. Each is sealed for its own field of its own cluster (the label), so no value
/// can be moved. A cluster from before sealing (no data key id) is read from its clear fields.
/// </summary>
internal sealed record ClusterSecrets(string SigningRootKeyPem, string? RetiringRootKeyPem, string WorkerJoinSecret, string ManagerJoinSecret)
{
    /// <summary>The opened secrets; null when they are sealed and <paramref name="dataKey"/> is not the key that sealed them.</summary>
    public static ClusterSecrets? Open(Cluster stored, SealingKey? dataKey)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (string.IsNullOrEmpty(stored.DataKeyId))
        {
            return new ClusterSecrets(
                stored.SigningRootKeyPem,
                string.IsNullOrEmpty(stored.RetiringRootKeyPem) ? null : stored.RetiringRootKeyPem,
                stored.WorkerJoinSecret,
                stored.ManagerJoinSecret);
        }

        if (dataKey is null || dataKey.Id != stored.DataKeyId)
        {
            return null;
        }

        return new ClusterSecrets(
            dataKey.OpenString(stored.SealedSigningRootKey, Label(stored, "signing_root_key")),
            stored.SealedRetiringRootKey is null ? null : dataKey.OpenString(stored.SealedRetiringRootKey, Label(stored, "retiring_root_key")),
            dataKey.OpenString(stored.SealedWorkerJoinSecret, Label(stored, "worker_join_secret")),
            dataKey.OpenString(stored.SealedManagerJoinSecret, Label(stored, "manager_join_secret")));
    }

    /// <summary>
    /// A copy of <paramref name="stored"/> with this CA state and these tokens; the secrets sealed
    /// with <paramref name="dataKey"/>, or (a cluster from before sealing, no key yet) in clear as before.
    /// </summary>
    public static Cluster Seal(Cluster stored, CaRotation rotation, JoinTokens tokens, SealingKey? dataKey)
    {
        var cluster = stored.Clone();
        cluster.SigningRootCertificatePem = rotation.SigningRoot.CertificatePem;
        cluster.RetiringRootCertificatePem = rotation.RetiringRoot?.CertificatePem ?? string.Empty;
        cluster.NodesOnRetiringRoot.Clear();
        cluster.NodesOnRetiringRoot.AddRange(rotation.NodesOnRetiringRoot);
        cluster.RetiredWorkerSecrets.Clear();
        cluster.RetiredWorkerSecrets.AddRange(tokens.RetiredWorkerSecrets);
        cluster.RetiredManagerSecrets.Clear();
        cluster.RetiredManagerSecrets.AddRange(tokens.RetiredManagerSecrets);
        if (dataKey is null)
        {
            cluster.SigningRootKeyPem = rotation.SigningRoot.ExportKeyPem();
            cluster.RetiringRootKeyPem = rotation.RetiringRoot?.ExportKeyPem() ?? string.Empty;
            cluster.WorkerJoinSecret = tokens.WorkerSecret;
            cluster.ManagerJoinSecret = tokens.ManagerSecret;
            return cluster;
        }

        if (!string.IsNullOrEmpty(stored.DataKeyId) && stored.DataKeyId != dataKey.Id)
        {
            throw new InvalidOperationException($"cluster {stored.Id} is sealed with data key {stored.DataKeyId}, not {dataKey.Id}");
        }

        cluster.DataKeyId = dataKey.Id;
        cluster.SealedSigningRootKey = dataKey.SealString(rotation.SigningRoot.ExportKeyPem(), Label(cluster, "signing_root_key"));
        cluster.SealedRetiringRootKey = rotation.RetiringRoot is { } retiring ? dataKey.SealString(retiring.ExportKeyPem(), Label(cluster, "retiring_root_key")) : null;
        cluster.SealedWorkerJoinSecret = dataKey.SealString(tokens.WorkerSecret, Label(cluster, "worker_join_secret"));
        cluster.SealedManagerJoinSecret = dataKey.SealString(tokens.ManagerSecret, Label(cluster, "manager_join_secret"));

        // Nothing of the secrets stays in clear, in this object or in any later one.
        cluster.SigningRootKeyPem = string.Empty;
        cluster.RetiringRootKeyPem = string.Empty;
        cluster.WorkerJoinSecret = string.Empty;
        cluster.ManagerJoinSecret = string.Empty;
        return cluster;
    }

    public static void SetUnlockKey(Cluster cluster, SealingKey dataKey, SealingKey unlockKey)
    {
        cluster.Autolock = true;
        cluster.SealedUnlockKey = dataKey.Seal(unlockKey.ExportBytes(), Label(cluster, "unlock_key"));
    }

    public static SealingKey OpenUnlockKey(Cluster stored, SealingKey dataKey)
        => SealingKey.FromBytes(dataKey.Open(stored.SealedUnlockKey, Label(stored, "unlock_key")));

    private static string Label(Cluster cluster, string field) => $"cluster/{cluster.Id}/{field}";
}
