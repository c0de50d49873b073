namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>Settings of the etcd API on a manager.</summary>
public sealed class EtcdOptions
{
    /// <summary>How often a watcher created with progress_notify hears the current revision when idle (etcd's default: 10 minutes).</summary>
    public TimeSpan ProgressNotifyInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Seed of the generator of lease ids the server chooses.</summary>
    public int LeaseIdSeed { get; init; } = Environment.TickCount;
}
