using ClusterKit.Shared.Hosting;

namespace ClusterKit.Worker.Hosting;

/// <summary>
/// Tightens a data root and run root written by an older ck-worker (0755 directories, 0644
/// records holding containers' environments) to root-only. Image content keeps its own modes:
/// layers, containers' upper and work dirs and rootfs mount points are not descended into, and
/// their root-only parents keep other users out.
/// </summary>
internal static class DataRootPermissions
{
    public static int Tighten(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PrivateFiles.TightenTree(options.DataRoot, IsNodeOwnedInDataRoot)
            + PrivateFiles.TightenTree(options.RunRoot, IsNodeOwnedInRunRoot);
    }

    /// <summary>Whether a directory below the data root holds only what the worker writes itself.</summary>
    internal static bool IsNodeOwnedInDataRoot(string relative) => Parts(relative) switch
    {
        ["containers", _, "upper" or "work"] => false,
        ["images", "layers" or "tmp", _] => false,
        _ => true,
    };

    /// <summary>
    /// The run root's chain only: a container's run directory holds the files it bind-mounts
    /// (/etc/hosts, readable by its users) and its rootfs mount point.
    /// </summary>
    internal static bool IsNodeOwnedInRunRoot(string relative) => Parts(relative) is ["containers"];

    private static string[] Parts(string relative) => relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
}
