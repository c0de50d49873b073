using ClusterKit.Worker.Cgroups.Detection;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Cgroups.Tests.Kernel;

/// <summary>A manager on the real kernel with a unique parent cgroup (ckt-HEX), removed with everything below it.</summary>
public sealed class KernelCgroupFixture : IDisposable
{
    public KernelCgroupFixture()
        : this(CgroupLayoutDetector.Detect())
    {
    }

    private KernelCgroupFixture(CgroupLayout layout)
    {
        ParentName = "ckt-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 6));
        Manager = new CgroupManager(layout, new CgroupOptions { ParentName = ParentName }, LinuxSystemCalls.Instance);
    }

    public string ParentName { get; }

    /// <summary>A fixture of its own for a test that needs a layout other than the detected one.</summary>
    public static KernelCgroupFixture For(CgroupLayout layout) => new(layout);

    public CgroupManager Manager { get; }

    public static string UniqueName(string what) => $"ckt-{what}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4))}";

    public void Dispose() => Manager.RemoveParent();
}
