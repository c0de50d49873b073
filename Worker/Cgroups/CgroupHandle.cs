using System.Globalization;
using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Cgroups;

/// <summary>One container's cgroup: a directory in every hierarchy the plan uses.</summary>
internal sealed class CgroupHandle : ICgroupHandle
{
    private readonly CgroupReaper _reaper;

    public CgroupHandle(string name, IReadOnlyList<CgroupDirectory> directories, CgroupReaper reaper)
    {
        Name = name;
        Directories = directories;
        _reaper = reaper;
        ProcsFiles = [.. directories.Select(d => d.ProcsFile)];
    }

    public string Name { get; }

    public IReadOnlyList<CgroupDirectory> Directories { get; }

    public IReadOnlyList<string> ProcsFiles { get; }

    /// <summary>Writes every limit; a controller absent on this host must not be asked for a limit (checked by the manager).</summary>
    public void Apply(ResourceLimits limits)
    {
        foreach (var directory in Directories)
        {
            foreach (var controller in directory.Hierarchy.Controllers.OfType<ILimitingController>())
            {
                controller.Apply(directory.Path, limits);
            }
        }
    }

    public void RestrictDevices(IReadOnlyList<DeviceRule> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        foreach (var rule in allowed)
        {
            rule.Validate();
        }

        var restricted = false;
        foreach (var directory in Directories)
        {
            foreach (var controller in directory.Hierarchy.Controllers.OfType<IDeviceController>())
            {
                controller.Restrict(directory.Path, allowed);
                restricted = true;
            }
        }

        if (!restricted)
        {
            throw new CgroupException($"cannot restrict the devices of cgroup {Name}: this host has neither a v1 devices hierarchy nor a cgroup v2 tree");
        }
    }

    public void AddProcess(int pid)
    {
        if (pid <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, $"invalid pid {pid} for cgroup {Name}: must be positive");
        }

        var text = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directories)
        {
            CgroupFile.Write(directory.Path, "cgroup.procs", text);
        }
    }

    public ResourceUsage ReadUsage()
    {
        var usage = new ResourceUsageBuilder();
        foreach (var directory in Directories)
        {
            foreach (var controller in directory.Hierarchy.Controllers.OfType<IAccountingController>())
            {
                controller.ReadUsage(directory.Path, usage);
            }
        }

        return usage.Build();
    }

    public bool WasOomKilled() =>
        Directories.Any(d => d.Hierarchy.Controllers.OfType<IOomReporter>().Any(c => c.OomKills(d.Path) > 0));

    public IReadOnlyList<int> Processes() => CgroupReaper.ListProcesses(Directories);

    public void Delete() => _reaper.Remove(Name, Directories);
}
