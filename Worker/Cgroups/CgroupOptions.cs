using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Cgroups;

/// <summary>How the worker lays out its cgroups.</summary>
public sealed partial class CgroupOptions
{
    /// <summary>
    /// The worker's parent cgroup, relative to the root of every hierarchy it uses
    /// (one or more segments separated by '/'); each container gets a child below it.
    /// </summary>
    public string ParentName { get; init; } = "clusterkit";

    /// <summary>How many rounds of SIGKILL a delete tries before it gives up on a cgroup that keeps processes.</summary>
    public int KillAttempts { get; init; } = 100;

    /// <summary>The pause between kill rounds and between rmdir retries.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The CPUs the machine has, the upper bound for a CPU limit.</summary>
    public int ProcessorCount { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws unless the options are usable.</summary>
    public void Validate()
    {
        foreach (var segment in ParentName.Split('/'))
        {
            if (!IsCgroupName(segment))
            {
                throw new ArgumentException(
                    $"invalid cgroup parent '{ParentName}': use one or more names of letters, digits, '_', '-' or '.' separated by '/'");
            }
        }

        if (KillAttempts < 1)
        {
            throw new ArgumentException($"invalid cgroup kill attempts {KillAttempts}: must be at least 1");
        }

        if (RetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"invalid cgroup retry delay {RetryDelay}: must not be negative");
        }

        if (ProcessorCount < 1)
        {
            throw new ArgumentException($"invalid processor count {ProcessorCount}: must be at least 1");
        }
    }

    /// <summary>A single directory name the kernel and we both accept: no '/', not '.' or '..', at most 255 characters.</summary>
    internal static bool IsCgroupName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." && NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex NamePattern();
}
