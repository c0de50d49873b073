using ClusterKit.Worker.Cgroups.Detection;

namespace ClusterKit.Worker.Cgroups.Tests.Detection;

public sealed class ProcCgroupParserTests
{
    [Fact]
    public void Hybrid_lists_v1_paths_per_controller_and_the_v2_path()
    {
        var self = ProcCgroupParser.Parse("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/eca9\n2:cpu,cpuacct:/worker\n0::/init.scope\n");

        Assert.Equal("/process_api/eca9", self.V1Paths["memory"]);
        Assert.Equal("/worker", self.V1Paths["cpu"]);
        Assert.Equal("/worker", self.V1Paths["cpuacct"]);
        Assert.Equal("/", self.V1Paths["pids"]);
        Assert.Equal("/", self.V1Paths["name=systemd"]);
        Assert.Equal("/init.scope", self.V2Path);
    }

    [Fact]
    public void Pure_v2_has_only_the_unified_line()
    {
        var self = ProcCgroupParser.Parse("0::/system.slice/clusterkit-worker.service\n");

        Assert.Empty(self.V1Paths);
        Assert.Equal("/system.slice/clusterkit-worker.service", self.V2Path);
    }

    [Fact]
    public void Malformed_line_is_rejected()
    {
        var error = Assert.Throws<FormatException>(() => ProcCgroupParser.Parse("memory/foo\n"));

        Assert.Contains("'memory/foo'", error.Message, StringComparison.Ordinal);
    }
}
