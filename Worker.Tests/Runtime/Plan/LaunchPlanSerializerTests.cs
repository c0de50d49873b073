using ClusterKit.Worker.Runtime.Plan;
using ClusterKit.Worker.Runtime.Security;

namespace ClusterKit.Worker.Runtime.Tests.Plan;

public sealed class LaunchPlanSerializerTests
{
    private static LaunchPlan Sample() => new()
    {
        Labels = new Dictionary<string, string> { ["cgroup"] = "web.1" },
        StateDirectory = "/run/ck/c1",
        Rootfs = "/run/ck/c1/rootfs",
        Hostname = "web",
        NewNetwork = true,
        Tty = true,
        TerminalSize = new TerminalSize(33, 101),
        CgroupProcs = ["/sys/fs/cgroup/pids/ck/web.1/cgroup.procs"],
        Steps = [new PlanMount("proc", "/proc", "proc", 14, string.Empty), new PlanDevice("/dev/null", 'c', 1, 3, 438), new PlanSymlink("pts/ptmx", "/dev/ptmx")],
        Masked = ["/proc/kcore"],
        ReadOnlyPaths = ["/proc/sys"],
        Rlimits = [new PlanRlimit(7, 1024, ulong.MaxValue)],
        Uid = 33,
        Gid = 33,
        Groups = [1, 2],
        Capabilities = new ProcessCapabilities(0xa80425fb, 0, 0, 0, 0),
        Seccomp = [1, 2, 3, 4, 5, 6, 7, 8],
        Env = ["GREETING=tab\there", "X=a\\b"],
        Cwd = "/srv",
        Args = ["sh", "-c", "echo one\necho two"],
        LogPath = "/run/ck/c1/container-json.log",
        LogMaxSize = 1000,
        LogMaxFiles = 3,
        AttachSocket = "/run/ck/c1/attach.sock",
    };

    [Fact]
    public void Fields_are_tab_separated_with_tabs_newlines_and_backslashes_escaped()
    {
        var text = LaunchPlanSerializer.Write(Sample());

        Assert.StartsWith("ck-plan 1\n", text);
        Assert.Contains("\nenv\tGREETING=tab\\there\n", text);
        Assert.Contains("\nenv\tX=a\\\\b\n", text);
        Assert.Contains("\narg\techo one\\necho two\n", text);
        Assert.Contains("\nmknod\t/dev/null\tc\t1\t3\t666\n", text);
        Assert.Contains("\ncaps\ta80425fb\t0\t0\t0\t0\n", text);
        Assert.Contains("\nseccomp\t0102030405060708\n", text);
        Assert.Contains("\nrlimit\t7\t1024\t18446744073709551615\n", text);
        Assert.Contains("\nwinsize\t33\t101\n", text);
    }

    [Fact]
    public void A_plan_reads_back_as_written()
    {
        var plan = Sample();

        var read = LaunchPlanSerializer.Read(LaunchPlanSerializer.Write(plan));

        Assert.Equal(LaunchPlanSerializer.Write(plan), LaunchPlanSerializer.Write(read));
        Assert.Equal(plan.Args, read.Args);
        Assert.Equal(plan.Env, read.Env);
        Assert.Equal(plan.Steps, read.Steps);
        Assert.Equal(plan.Capabilities, read.Capabilities);
        Assert.Equal(plan.Seccomp, read.Seccomp);
        Assert.Equal("web.1", read.Labels["cgroup"]);
        Assert.Equal(new TerminalSize(33, 101), read.TerminalSize);
    }

    [Fact]
    public void An_unknown_directive_names_the_line()
    {
        var error = Assert.Throws<FormatException>(() => LaunchPlanSerializer.Read("ck-plan 1\nrootfs\t/r\nfrobnicate\t1\n"));

        Assert.Equal("plan line 3: unknown directive \"frobnicate\"", error.Message);
    }

    [Fact]
    public void A_missing_header_is_refused() =>
        Assert.StartsWith("plan: first line is \"rootfs", Assert.Throws<FormatException>(() => LaunchPlanSerializer.Read("rootfs\t/r\n")).Message);
}
