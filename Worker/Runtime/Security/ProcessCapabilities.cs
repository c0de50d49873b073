namespace ClusterKit.Worker.Runtime.Security;

/// <summary>The five capability sets of a container process, as bitmasks.</summary>
public sealed record ProcessCapabilities(ulong Bounding, ulong Effective, ulong Permitted, ulong Inheritable, ulong Ambient)
{
    /// <summary>
    /// As Docker: root gets the set as bounding, effective and permitted; any other user keeps
    /// only the bounding set (file capabilities or setuid binaries can still use it). Inheritable
    /// and ambient stay empty (CVE-2022-24769).
    /// </summary>
    public static ProcessCapabilities For(ulong set, uint uid) =>
        uid == 0 ? new(set, set, set, 0, 0) : new(set, 0, 0, 0, 0);
}
