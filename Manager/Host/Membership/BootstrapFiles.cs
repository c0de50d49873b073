using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Files;
using Google.Protobuf;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// What a manager keeps on disk while it becomes a member: its identity directory, and the
/// unfinished step of an init (the first transaction) or a join (the manager it joined through),
/// so that a crash in between is finished on the next start instead of leaving half a cluster.
/// </summary>
internal sealed class BootstrapFiles(string dataDirectory)
{
    public string IdentityDirectory => Path.Combine(dataDirectory, "identity");

    private string PendingInitPath => Path.Combine(dataDirectory, "init.pending");

    private string PendingJoinPath => Path.Combine(dataDirectory, "join.pending");

    public void WritePendingInit(Transaction first) => WriteDurably(PendingInitPath, first.ToByteArray());

    public Transaction? ReadPendingInit()
    {
        if (!File.Exists(PendingInitPath))
        {
            return null;
        }

        try
        {
            return Transaction.Parser.ParseFrom(File.ReadAllBytes(PendingInitPath));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{PendingInitPath} is corrupt ({e.Message}); the init it records cannot be finished: remove {dataDirectory} and run `ck cluster init` again", e);
        }
    }

    public void DeletePendingInit() => File.Delete(PendingInitPath);

    public void WritePendingJoin(string remoteAddress) => WriteDurably(PendingJoinPath, System.Text.Encoding.UTF8.GetBytes(remoteAddress));

    public string? ReadPendingJoin() => File.Exists(PendingJoinPath) ? File.ReadAllText(PendingJoinPath).Trim() : null;

    public void DeletePendingJoin() => File.Delete(PendingJoinPath);

    /// <summary>Moves the raft log, snapshots and member list into a dated directory (kept, never deleted); returns its path.</summary>
    public string SetAsideRaftState(DateTimeOffset now)
    {
        var backup = Path.Combine(dataDirectory, "before-force-new-cluster-" + now.ToString("yyyyMMddTHHmmssZ", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(backup);
        foreach (var name in (string[])["wal", "snapshots"])
        {
            var path = Path.Combine(dataDirectory, name);
            if (Directory.Exists(path))
            {
                Directory.Move(path, Path.Combine(backup, name));
            }
        }

        var members = Path.Combine(dataDirectory, "members.bin");
        if (File.Exists(members))
        {
            File.Move(members, Path.Combine(backup, "members.bin"));
        }

        return backup;
    }

    private static void WriteDurably(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, content);
    }
}
