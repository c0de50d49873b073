using ClusterKit.Worker.Session;

namespace ClusterKit.Worker.Tests.Session;

public sealed class HostDescriptionTests
{
    [Fact]
    public void MemTotal_is_read_in_bytes()
        => Assert.Equal(16_323_232L * 1024, HostDescription.ParseMemTotal("MemFree:  100 kB\nMemTotal:       16323232 kB\nSwapTotal: 0 kB\n"));

    [Theory]
    [InlineData("MemFree: 100 kB\n", "/proc/meminfo has no MemTotal line")]
    [InlineData("MemTotal: lots\n", "/proc/meminfo line 'MemTotal: lots' is not 'MemTotal: N kB'")]
    public void A_meminfo_without_a_usable_MemTotal_is_named(string text, string message)
        => Assert.Equal(message, Assert.Throws<FormatException>(() => HostDescription.ParseMemTotal(text)).Message);

    [Fact]
    public void The_host_is_described_with_its_real_resources()
    {
        var description = HostDescription.Read(new Dictionary<string, string>(StringComparer.Ordinal) { ["zone"] = "a" });
        Assert.Equal(Environment.MachineName, description.Hostname);
        Assert.Equal(Environment.ProcessorCount * 1_000_000_000L, description.Resources.NanoCpus);
        Assert.Equal(HostDescription.ParseMemTotal(File.ReadAllText("/proc/meminfo")), description.Resources.MemoryBytes);
        Assert.True(description.Resources.Pids > 0);
        Assert.Equal("linux", description.Platform.Os);
        Assert.Equal(HostDescription.Architecture(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture), description.Platform.Architecture);
        Assert.Equal(HostDescription.EngineVersion, description.EngineVersion);
        Assert.Equal("a", description.EngineLabels["zone"]);
    }

    [Theory]
    [InlineData(System.Runtime.InteropServices.Architecture.X64, "x86_64")]
    [InlineData(System.Runtime.InteropServices.Architecture.Arm64, "aarch64")]
    public void Architectures_use_uname_names(System.Runtime.InteropServices.Architecture architecture, string name)
        => Assert.Equal(name, HostDescription.Architecture(architecture));
}
