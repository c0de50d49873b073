using ClusterKit.Manager.Store.Raft;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// This manager's place in a cluster at start and stop. With a fixed member list (--peers, --cold-start) it starts
/// Raft at once, without certificates. Otherwise it starts from the identity in its data directory (finishing an
/// interrupted init or join), or waits for `ck cluster init` or `ck cluster join` on the local socket.
/// </summary>
internal sealed partial class ManagerStartup(
    ManagerOptions options,
    BootstrapFiles bootstrap,
    DataKeyring keys,
    RaftMemberStarter starter,
    PendingBootstrap pending,
    RaftMemberSlot member,
    ILogger<ManagerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.DataDirectory);
        keys.Load();
        if (options.IsFixedMembership)
        {
            await starter.StartFixedAsync(cancellationToken);
            return;
        }

        var files = new CertificateFiles(bootstrap.IdentityDirectory);
        if (!files.Exist)
        {
            LogWaiting(logger, options.SocketPath ?? "(none)", options.DataDirectory);
            return;
        }

        // An init that stopped before its first commit still starts as the new cluster's first member.
        var raftBootstrap = bootstrap.ReadPendingInit() is not null ? RaftBootstrap.NewCluster : RaftBootstrap.Join;
        await starter.StartAsync(files.Load(), files, raftBootstrap, cancellationToken);
        await pending.CompleteAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await member.StopAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager is not part of a cluster yet; waiting for `ck cluster init` or `ck cluster join` on {Socket} (data in {DataDir})")]
    private static partial void LogWaiting(ILogger logger, string socket, string dataDir);
}
