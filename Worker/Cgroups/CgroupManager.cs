using ClusterKit.Worker.Cgroups.Detection;
using ClusterKit.Worker.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Cgroups;

/// <summary>
/// The worker's cgroups: one parent (<see cref="CgroupOptions.ParentName"/>) in every hierarchy it
/// uses and one child per container below it. Only ever touches directories below its parent,
/// plus cgroup.subtree_control of the v2 cgroups above them to switch controllers on.
/// </summary>
public sealed class CgroupManager : ICgroupManager
{
    private readonly CgroupOptions _options;
    private readonly IReadOnlyList<CgroupHierarchy> _hierarchies;
    private readonly CgroupReaper _reaper;
    private readonly ILogger _logger;

    public CgroupManager(CgroupLayout layout, CgroupOptions options, ISystemCalls systemCalls, ILogger<CgroupManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Layout = layout;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _hierarchies = CgroupPlanner.Plan(layout, systemCalls);
        _reaper = new CgroupReaper(systemCalls, options, _logger);
    }

    public CgroupLayout Layout { get; }

    /// <summary>The worker's parent cgroup directory in each hierarchy used.</summary>
    public IReadOnlyList<string> ParentDirectories => [.. _hierarchies.Select(ParentDirectory)];

    /// <summary>Detects the host's layout from /proc/self/mountinfo and /proc/self/cgroup and works on the real kernel.</summary>
    public static CgroupManager Detect(CgroupOptions? options = null, ILogger<CgroupManager>? logger = null)
    {
        var layout = CgroupLayoutDetector.Detect();
        var manager = new CgroupManager(layout, options ?? new CgroupOptions(), LinuxSystemCalls.Instance, logger);
        CgroupLog.LayoutDetected(
            manager._logger,
            string.Join(",", layout.V1Mounts.Keys.Order(StringComparer.Ordinal)),
            layout.V2Root ?? "(none)",
            string.Join(",", layout.V2Controllers.Order(StringComparer.Ordinal)));
        return manager;
    }

    public ICgroupHandle Create(string name, ResourceLimits limits)
    {
        ValidateName(name);
        ResourceLimitsValidator.Validate(limits, _options.ProcessorCount);
        RequireControllers(limits);

        var handle = Handle(name);
        var isNew = !handle.Directories.Any(d => d.Exists);
        try
        {
            foreach (var directory in handle.Directories)
            {
                if (directory.Hierarchy.Version == CgroupVersion.V2)
                {
                    EnableV2Controllers(directory.Hierarchy);
                }

                Directory.CreateDirectory(directory.Path);
            }

            handle.Apply(limits);
        }
        catch (Exception e) when (isNew && e is CgroupException or IOException or UnauthorizedAccessException)
        {
            CgroupLog.CreateFailed(_logger, e, name);
            RemoveAfterFailedCreate(handle);
            throw;
        }

        CgroupLog.Created(_logger, name, string.Join(", ", handle.Directories.Select(d => d.Path)), limits);
        return handle;
    }

    public ICgroupHandle? Open(string name)
    {
        ValidateName(name);
        var handle = Handle(name);
        return handle.Directories.Any(d => d.Exists) ? handle : null;
    }

    /// <summary>The containers' cgroups that exist below the parent (in any hierarchy), e.g. to reconcile after a restart.</summary>
    public IReadOnlyList<string> List()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var parent in ParentDirectories.Where(Directory.Exists))
        {
            names.UnionWith(Directory.EnumerateDirectories(parent).Select(Path.GetFileName).OfType<string>());
        }

        return [.. names];
    }

    /// <summary>Deletes every container cgroup below the parent, then the parent itself (its last path segment). Idempotent.</summary>
    public void RemoveParent()
    {
        foreach (var name in List())
        {
            Handle(name).Delete();
        }

        foreach (var hierarchy in _hierarchies)
        {
            var parent = new CgroupDirectory(ParentDirectory(hierarchy), hierarchy);
            _reaper.Remove(_options.ParentName, [parent]);
        }
    }

    /// <summary>Best effort: the error that made the create fail is the one the caller needs to see.</summary>
    private void RemoveAfterFailedCreate(CgroupHandle handle)
    {
        try
        {
            handle.Delete();
        }
        catch (Exception e) when (e is CgroupException or IOException or UnauthorizedAccessException)
        {
            CgroupLog.CleanupFailed(_logger, e, handle.Name);
        }
    }

    private CgroupHandle Handle(string name) =>
        new(name, [.. _hierarchies.Select(h => new CgroupDirectory(Path.Combine(ParentDirectory(h), name), h))], _reaper);

    private string ParentDirectory(CgroupHierarchy hierarchy) => Path.Combine(hierarchy.MountPoint, _options.ParentName);

    /// <summary>
    /// v2 hands a controller to a child only when every ancestor lists it in cgroup.subtree_control;
    /// we add what is missing from the root down to our parent, never removing anything.
    /// </summary>
    private void EnableV2Controllers(CgroupHierarchy hierarchy)
    {
        var wanted = hierarchy.LimitingControllerNames.ToList();
        var level = hierarchy.MountPoint;
        foreach (var segment in (string[])["", .. _options.ParentName.Split('/')])
        {
            level = Path.Combine(level, segment);
            Directory.CreateDirectory(level);
            if (wanted.Count == 0)
            {
                continue;
            }

            var enabled = CgroupLayoutDetector.ParseControllerList(CgroupFile.Read(level, "cgroup.subtree_control")).ToHashSet(StringComparer.Ordinal);
            var missing = wanted.Where(c => !enabled.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                CgroupFile.Write(level, "cgroup.subtree_control", string.Join(' ', missing.Select(c => "+" + c)));
            }
        }
    }

    private void RequireControllers(ResourceLimits limits)
    {
        Require("memory", limits.MemoryBytes > 0);
        Require("cpu", limits.NanoCpus > 0 || limits.CpuShares > 0);
        Require("pids", limits.PidsLimit > 0);

        void Require(string controller, bool needed)
        {
            if (needed && Layout.Locate(controller) is null)
            {
                throw new CgroupException(
                    $"cannot limit {controller}: the {controller} controller is neither mounted as cgroup v1 nor offered by the v2 root {Layout.V2Root ?? "(no v2 tree)"} (cgroup.controllers: {string.Join(' ', Layout.V2Controllers)})");
            }
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!CgroupOptions.IsCgroupName(name))
        {
            throw new ArgumentException($"invalid cgroup name '{name}': use 1 to 255 letters, digits, '_', '-' or '.' (not '.' or '..')", nameof(name));
        }
    }
}
