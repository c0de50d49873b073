namespace ClusterKit.Worker.Runtime.Users;

/// <summary>The numeric identity a container process runs as.</summary>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home)
{
    public static ResolvedUser Root { get; } = new(0, 0, [], "/root");
}
