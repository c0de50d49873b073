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

    private static readonly Lazy<string> CurrentBootId = new(() => File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim());

    /// <summary>This boot's id; recorded with a container so that a later mount knows whether the host restarted since.</summary>
    public static string BootId => CurrentBootId.Value;

    /// <summary>
    /// The overlay is mounted "volatile" (no syncs). Mounting the same upper dir again needs the
    /// kernel's volatile marker removed, which is safe only within the boot that wrote it: after
    /// a host crash the upper dir may have lost writes. The boot of each mount is saved in the
    /// run directory just before it (<see cref="ContainerPaths.MountBootId"/>), so a worker that
    /// died after the mount is told apart from a host that restarted;
    /// <paramref name="previousBootId"/> (a plan's label) serves directories mounted before that file existed.
    /// </summary>
    public string Mount(IReadOnlyList<string> lowerDirsTopFirst, ContainerPaths paths, string? previousBootId = null)
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

        var volatileMarker = Path.Combine(paths.Work, "work", "incompat", "volatile");
        if (Directory.Exists(volatileMarker))
        {
            if ((SavedBootId(paths) ?? previousBootId) != BootId)
            {
                throw new InvalidOperationException($"the upper dir {paths.Upper} was mounted volatile before the host restarted and may have lost writes; delete the container and create it again");
            }

            Directory.Delete(volatileMarker, recursive: true);
        }

        if (!Directory.Exists(paths.Upper) && !OperatingSystem.IsWindows())
        {
            // The container's "/" takes the upper dir's mode: the image's own (its top layer's root),
            // not the daemon's root-only umask, or a USER in the image could not reach its files.
            Directory.CreateDirectory(paths.Upper);
            File.SetUnixFileMode(paths.Upper, File.GetUnixFileMode(lowerDirsTopFirst[0]));
        }

        Directory.CreateDirectory(paths.Work);
        Directory.CreateDirectory(paths.Rootfs);
        File.WriteAllText(paths.MountBootId, BootId + "\n");
        var options = $"lowerdir={string.Join(':', lowerDirsTopFirst)},upperdir={paths.Upper},workdir={paths.Work},volatile";
        if (options.Length > MaxOptionsLength)
        {
            throw new ArgumentException($"overlay options are {options.Length} bytes for {lowerDirsTopFirst.Count} layers; the kernel allows {MaxOptionsLength}", nameof(lowerDirsTopFirst));
        }

        systemCalls.Mount("overlay", paths.Rootfs, "overlay", MountFlags.None, options);
        return paths.Rootfs;
    }

    /// <summary>The boot id saved with the last mount; null if none was (never mounted, or the run directory went with a reboot).</summary>
    private static string? SavedBootId(ContainerPaths paths)
    {
        try
        {
            return File.ReadAllText(paths.MountBootId).Trim();
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
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
