using ClusterKit.Worker.Hosting;
using Microsoft.Extensions.Configuration;

namespace ClusterKit.Worker.Tests.Session;

public sealed class SessionOptionsTests
{
    private static IEnumerable<string> Failures(string? managers, string? nodeId)
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { Managers = managers, NodeId = nodeId });
        return result.Failed ? result.Failures : [];
    }

    [Fact]
    public void A_standalone_worker_needs_neither()
        => Assert.Empty(Failures(null, null));

    [Fact]
    public void Managers_with_a_node_id_are_accepted()
        => Assert.Empty(Failures("10.0.0.1:4243,10.0.0.2:4243", "worker-1"));

    [Fact]
    public void Managers_without_a_node_id_are_refused()
        => Assert.Equal(
            ["Worker:NodeId (--node-id) is required with --manager; allowed: 1 to 128 characters of a-z, A-Z, 0-9, '.', '_' and '-', starting with a letter or digit"],
            Failures("10.0.0.1:4243", null));

    [Fact]
    public void A_node_id_without_managers_is_refused()
        => Assert.Equal(
            ["Worker:NodeId 'worker-1' is given without managers; allowed: --node-id together with --manager HOST:PORT[,HOST:PORT...]"],
            Failures(null, "worker-1"));

    [Fact]
    public void A_bad_manager_and_a_bad_node_id_are_both_reported()
    {
        var failures = Failures("10.0.0.1:4243,nope", "-bad");
        Assert.Collection(
            failures,
            f => Assert.StartsWith("Worker:Managers (--manager) 'nope' (in '10.0.0.1:4243,nope') is not HOST:PORT; allowed:", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Worker:NodeId (--node-id) '-bad' is invalid; allowed:", f, StringComparison.Ordinal));
    }

    [Fact]
    public void The_command_line_switches_reach_the_options()
    {
        var configuration = new ConfigurationBuilder()
            .AddCommandLine(["--manager", "10.0.0.1:4243,10.0.0.2:4243", "--node-id", "worker-7"], new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["--manager"] = "Worker:Managers",
                ["--node-id"] = "Worker:NodeId",
            })
            .Build();
        var options = new WorkerOptions();
        configuration.GetSection(WorkerOptions.Section).Bind(options);
        Assert.Equal("10.0.0.1:4243,10.0.0.2:4243", options.Managers);
        Assert.Equal("worker-7", options.NodeId);
        Assert.Equal(Path.Combine(options.DataRoot, "session", "managers"), options.ManagerListPath);
    }
}
