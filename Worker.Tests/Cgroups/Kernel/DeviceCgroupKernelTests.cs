using ClusterKit.Worker.Cgroups.Detection;
using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Cgroups.Tests.Kernel;

/// <summary>
/// RestrictDevices on the real kernel: the v1 devices controller of this hybrid host, and the BPF
/// device program on a cgroup in the v2 tree (a layout without v1 hierarchies). A host shell joins
/// the cgroup and opens host device nodes.
/// </summary>
public sealed class DeviceCgroupKernelTests
{
    private const string Probe =
        "echo x > /dev/null && echo null-write-ok >&2; " +
        "(: < /dev/kmsg) 2>/dev/null && echo kmsg-open-ok >&2; " +
        "(: < /dev/zero) 2>/dev/null && echo zero-open-ok >&2; " +
        "echo probe-done >&2; sleep 30";

    public static TheoryData<string> Layouts => ["v1", "v2"];

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Only_the_allowed_devices_open(string version)
    {
        using var fixture = KernelCgroupFixture.For(LayoutFor(version));
        var handle = fixture.Manager.Create("dev", ResourceLimits.None);
        handle.RestrictDevices([DeviceRule.Character(1, 3), DeviceRule.Character(1, 5, "r")]);

        var stderr = RunProbe(handle);

        Assert.Contains("null-write-ok", stderr);
        Assert.Contains("zero-open-ok", stderr);
        Assert.DoesNotContain("kmsg-open-ok", stderr);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_second_restrict_replaces_the_first(string version)
    {
        using var fixture = KernelCgroupFixture.For(LayoutFor(version));
        var handle = fixture.Manager.Create("dev", ResourceLimits.None);
        handle.RestrictDevices([DeviceRule.Character(1, 3), DeviceRule.Character(1, 11, "r")]);
        handle.RestrictDevices([DeviceRule.Character(1, 3)]);

        var stderr = RunProbe(handle);

        Assert.Contains("null-write-ok", stderr);
        Assert.DoesNotContain("kmsg-open-ok", stderr);
        Assert.DoesNotContain("zero-open-ok", stderr);
    }

    [Fact]
    public void The_v1_allow_list_is_exactly_the_rules()
    {
        var layout = LayoutFor("v1");
        using var fixture = KernelCgroupFixture.For(layout);
        var handle = fixture.Manager.Create("dev", ResourceLimits.None);

        handle.RestrictDevices([DeviceRule.Character(1, 3), DeviceRule.Character(136, DeviceRule.Any, "rw")]);

        var list = File.ReadAllText(Path.Combine(layout.V1Mounts["devices"], fixture.ParentName, "dev", "devices.list"));
        Assert.Equal("c 1:3 rwm\nc 136:* rw\n", list);
    }

    private static string RunProbe(ICgroupHandle handle)
    {
        using var shell = CgroupProcess.Start(handle, Probe);
        Assert.True(shell.WaitForStandardError("probe-done", TimeSpan.FromSeconds(20)), "probe never finished: " + shell.StandardError);
        return shell.StandardError;
    }

    /// <summary>v1: the detected hybrid layout (devices on v1). v2: only the v2 tree, where the BPF program is the only guard.</summary>
    private static CgroupLayout LayoutFor(string version)
    {
        var detected = CgroupLayoutDetector.Detect();
        if (version == "v1")
        {
            Assert.True(detected.V1Mounts.ContainsKey("devices"), "this test needs the v1 devices controller mounted");
            return detected;
        }

        Assert.True(detected.V2Root is not null, "this test needs a mounted cgroup v2 tree");
        return detected with { V1Mounts = new Dictionary<string, string>() };
    }
}
