using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Runtime.Rootfs;

/// <summary>
/// Mounts a container's root filesystem in the host's mount namespace: an overlay of the
/// image's layers (read-only, top first) with the container's own upper and work directories.
/// </summary>
public sealed class RootfsMounter(ISystemCalls systemCalls)
{
    /// <summary>The kernel takes at most one page of mount options.</summary>
    private const int MaxOptionsLength = 4095;

    public string Mount(IReadOnlyList<string> lowerDirsTopFirst, ContainerPaths paths)
    {
        ArgumentNullException.ThrowIfNull(lowerDirsTopFirst);
        ArgumentNullException.ThrowIfNull(paths);
        if (lowerDirsTopFirst.Count == 0)
        {
            throw new ArgumentException("an overlay rootfs needs at least one lower directory", nameof(lowerDirsTopFirst));
        }

        foreach (var dir in lowerDirsTopFirst)
        {
            if (!dir.StartsWith('/') || dir.Contains(':', StringComparison.Ordinal) || dir.Contains(',', StringComparison.Ordinal))
            {
                throw new ArgumentException($"lower directory \"{dir}\" must be an absolute path without ':' or ','", nameof(lowerDirsTopFirst));
            }

            if (!Directory.Exists(dir))
            {
                throw new DirectoryNotFoundException($"lower directory \"{dir}\" does not exist");
            }
        }

        Directory.CreateDirectory(paths.Upper);
        Directory.CreateDirectory(paths.Work);
        Directory.CreateDirectory(paths.Rootfs);
        var options = $"lowerdir={string.Join(':', lowerDirsTopFirst)},upperdir={paths.Upper},workdir={paths.Work},volatile";
        if (options.Length > MaxOptionsLength)
        {
            throw new ArgumentException($"overlay options are {options.Length} bytes for {lowerDirsTopFirst.Count} layers; the kernel allows {MaxOptionsLength}", nameof(lowerDirsTopFirst));
        }

        systemCalls.Mount("overlay", paths.Rootfs, "overlay", MountFlags.None, options);
        return paths.Rootfs;
    }

    /// <summary>Detaches the overlay; a rootfs that is not mounted is fine.</summary>
    public void Unmount(ContainerPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        try
        {
            systemCalls.Unmount(paths.Rootfs, UnmountFlags.Detach);
        }
        catch (KernelCallException e) when (e.Errno is 22 or 2)
        {
            // EINVAL: not a mount point; ENOENT: no rootfs directory.
        }
    }
}
