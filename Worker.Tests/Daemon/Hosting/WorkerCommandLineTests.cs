using ClusterKit.Worker.Hosting;

namespace ClusterKit.Worker.Tests.Hosting;

public sealed class WorkerCommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_is_asked_for_wherever_it_stands_and_swallows_nothing(string help)
    {
        Assert.True(WorkerCommandLine.Parse([help]).HelpRequested);
        Assert.True(WorkerCommandLine.Parse([help, "--data-root", "/x"]).HelpRequested);
        Assert.True(WorkerCommandLine.Parse(["--data-root", "/x", help]).HelpRequested);
    }

    [Fact]
    public void The_usage_lists_every_option_with_its_default()
    {
        var usage = WorkerCommandLine.Usage();

        foreach (var option in new[] { "--data-root", "--run-root", "--socket", "--cgroup-parent", "--bridge-name", "--bridge-subnet", "--nft-table", "--log-max-bytes", "--log-max-files", "--max-unpacked-bytes", "--stop-timeout", "--fallback-dns", "--stop-containers-on-exit", "--manager", "--node-id", "--node-label", "cleanup [--purge]" })
        {
            Assert.Contains(option, usage, StringComparison.Ordinal);
        }

        Assert.Contains("(default: ck0)", usage, StringComparison.Ordinal);
        Assert.Contains("(default: 1.1.1.1,8.8.8.8)", usage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_become_configuration_keys_in_both_spellings()
    {
        var result = WorkerCommandLine.Parse(["--bridge-name", "ckt0", "--nft-table=ckt", "--fallback-dns", "192.0.2.1, 192.0.2.2", "--node-label", "zone=a", "--node-label", "disk=ssd", "--stop-containers-on-exit"]);

        Assert.Null(result.Error);
        Assert.Equal("ckt0", result.Settings["Worker:BridgeName"]);
        Assert.Equal("ckt", result.Settings["Worker:NftablesTable"]);
        Assert.Equal("192.0.2.1", result.Settings["Worker:FallbackDns:0"]);
        Assert.Equal("192.0.2.2", result.Settings["Worker:FallbackDns:1"]);
        Assert.Equal("a", result.Settings["Worker:NodeLabels:zone"]);
        Assert.Equal("ssd", result.Settings["Worker:NodeLabels:disk"]);
        Assert.Equal("true", result.Settings["Worker:StopContainersOnExit"]);
    }

    [Theory]
    [InlineData(new[] { "--bridge-nam", "x" }, "unknown option '--bridge-nam'; did you mean --bridge-name? (ck-worker --help lists the options)")]
    [InlineData(new[] { "--nft-tabel=x" }, "unknown option '--nft-tabel'; did you mean --nft-table? (ck-worker --help lists the options)")]
    [InlineData(new[] { "--colour" }, "unknown option '--colour' (ck-worker --help lists the options)")]
    [InlineData(new[] { "stray" }, "unexpected argument 'stray': ck-worker takes only options (ck-worker --help lists them)")]
    [InlineData(new[] { "--data-root" }, "option --data-root needs a value: --data-root PATH")]
    [InlineData(new[] { "--data-root", "--socket", "/s" }, "option --data-root needs a value: --data-root PATH")]
    [InlineData(new[] { "--node-label", "zone" }, "option --node-label 'zone' is not KEY=VALUE")]
    [InlineData(new[] { "--fallback-dns", "," }, "option --fallback-dns is empty: --fallback-dns IP[,IP...]")]
    [InlineData(new[] { "--stop-containers-on-exit=maybe" }, "option --stop-containers-on-exit takes no value (or =true, =false), not 'maybe'")]
    [InlineData(new[] { "--purge" }, "unknown option '--purge' (ck-worker --help lists the options)")]
    public void Bad_options_are_refused_naming_the_option_and_what_is_allowed(string[] args, string error)
    {
        var result = WorkerCommandLine.Parse(args);

        Assert.Equal(error, result.Error);
        Assert.Empty(result.Settings);
    }

    [Fact]
    public void Cleanup_takes_the_daemons_options_and_purge()
    {
        var result = WorkerCommandLine.Parse(["cleanup", "--purge", "--bridge-name", "ckt0"]);

        Assert.Null(result.Error);
        Assert.True(result.Cleanup);
        Assert.True(result.Purge);
        Assert.Equal("ckt0", result.Settings["Worker:BridgeName"]);
        Assert.False(WorkerCommandLine.Parse(["cleanup"]).Purge);
    }
}
