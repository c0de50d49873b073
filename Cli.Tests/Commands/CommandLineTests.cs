using System.CommandLine;
using ClusterKit.Cli.Control;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Commands;

/// <summary>The `ck cluster` and `ck node` command lines as an operator types them; each case fails before any connection.</summary>
public sealed class CommandLineTests
{
    /// <summary>A fixed clock: nothing here compares a certificate with the wall clock.</summary>
    private static readonly TimeProvider Clock = TestCertificates.FixedClock();

    private static Task<int> RunAsync(params string[] args) =>
        CliRoot.Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

    [Fact]
    public async Task A_bogus_availability_names_the_flag_and_the_allowed_values()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("node", "update", "--availability", "bogus", "n1"));

        Assert.Equal("--availability 'bogus' is unknown; allowed: active, pause, drain", error.Message);
    }

    [Fact]
    public void Repeated_label_flags_are_all_kept_and_the_node_stays_the_argument()
    {
        var result = CliRoot.Build().Parse(["node", "update", "--label-add", "zone=a", "--label-add", "disk=ssd", "--label-rm", "old", "n1"]);

        Assert.Empty(result.Errors);
        Assert.Equal(["zone=a", "disk=ssd"], result.GetValue<string[]>("--label-add")!);
        Assert.Equal(["old"], result.GetValue<string[]>("--label-rm")!);
        Assert.Equal("n1", result.GetValue<string>("node"));
    }

    [Fact]
    public async Task A_malformed_token_is_refused_before_any_connection()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "join", "--token", "SWMTKN-1-abc-def", "10.0.0.1:4243"));

        Assert.StartsWith("--token: join token does not start with 'CKTKN-'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_join_address_without_a_port_is_refused()
    {
        var token = TestCertificates.TokenFor(TestCertificates.Root("c1", Clock)).ToString();

        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "join", "--token", token, "10.0.0.1"));

        Assert.StartsWith("manager address '10.0.0.1' has no port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_join_token_role_other_than_worker_or_manager_is_refused()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "join-token", "admin"));

        Assert.Equal("join-token role 'admin' is unknown; allowed: worker, manager", error.Message);
    }

    [Fact]
    public async Task An_unknown_format_is_refused()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "inspect", "--format", "yaml"));

        Assert.Equal("--format 'yaml' is unknown; allowed: json, pretty", error.Message);
    }

    [Fact]
    public async Task Init_refuses_host_because_it_acts_on_this_hosts_manager()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "init", "--host", "10.0.0.1:4243"));

        Assert.StartsWith("--host 10.0.0.1:4243: `ck cluster init` acts on this host's daemons", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_without_a_port_is_refused()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("node", "ls", "--host", "manager-1"));

        Assert.StartsWith("--host 'manager-1' has no port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_without_an_admin_certificate_says_how_to_get_one()
    {
        using var directory = new TempDirectory();

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => RunAsync("node", "ls", "--host", "127.0.0.1:9", "--config-dir", directory.Path));

        Assert.StartsWith("no admin certificate for --host 127.0.0.1:9:", error.Message, StringComparison.Ordinal);
        Assert.Contains("run `ck cluster init` on this host", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Advertise_addresses_are_checked_before_init_is_sent()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "init", "--advertise-addr", "10.0.0.1:99999"));

        Assert.StartsWith("--advertise-addr '10.0.0.1:99999' has port '99999'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_manager_socket_is_a_one_line_error()
    {
        using var directory = new TempDirectory();
        var socket = Path.Combine(directory.Path, "m.sock");

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => RunAsync("node", "rm", "--force", "n1", "--manager-socket", socket));

        Assert.StartsWith($"no manager on this host: nothing answers on {socket}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renewing_the_admin_certificate_without_a_host_asks_the_local_manager()
    {
        using var directory = new TempDirectory();
        var socket = Path.Combine(directory.Path, "m.sock");

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => RunAsync("cluster", "ca", "--renew-admin", "--manager-socket", socket, "--config-dir", directory.Path));

        Assert.StartsWith($"no manager on this host: nothing answers on {socket}", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory.Path, "admin.pem")));
    }

    [Fact]
    public async Task Detach_belongs_to_a_rotation()
    {
        var error = await Assert.ThrowsAsync<SpecFormatException>(() => RunAsync("cluster", "ca", "-d"));

        Assert.Equal("--detach: allowed only with --rotate (it returns without waiting for the rotation to complete)", error.Message);
    }
}
