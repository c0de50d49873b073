using ClusterKit.Manager.Host;
using ClusterKit.Manager.Host.Registry;
using ClusterKit.Manager.Registry.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Tests.Host;

public sealed class ManagerOptionsTests
{
    private static readonly string[] Base =
        ["--node-id", "m1", "--data-dir", "/var/lib/ck/m1", "--raft-address", "127.0.0.1:4001", "--api-address", "127.0.0.1:5001"];

    private static ManagerOptions Load(params string[] args) => ManagerCommandLine.Load(ManagerCommandLine.Parse(args).Settings);

    private static string Refusal(params string[] args)
        => string.Join("; ", Assert.Throws<OptionsValidationException>(() => Load(args)).Failures);

    private static string SyntaxError(params string[] args) => Assert.Throws<ArgumentException>(() => ManagerCommandLine.Parse(args)).Message;

    [Fact]
    public void Peers_and_defaults_are_parsed()
    {
        var o = Load([.. Base, "--peers", "127.0.0.1:4001, 127.0.0.1:4002,127.0.0.1:4003", "--election-timeout-ms", "200-400"]);
        Assert.Equal("m1", o.NodeId);
        Assert.Equal(3, o.Members.Count);
        Assert.Equal(200, o.LowerElectionTimeoutMs);
        Assert.Equal(400, o.UpperElectionTimeoutMs);
        Assert.Equal(TimeSpan.FromSeconds(5), o.RequestTimeout);
        Assert.Equal(50_000, o.SnapshotEvery);
        Assert.Null(o.SocketPath);
    }

    [Fact]
    public void Every_value_flag_takes_its_value_inline_too()
    {
        var o = Load([.. Base[2..], "--batch-max=7", "--log-level=debug", "--heartbeat-period-ms", "250"]);
        Assert.Equal(7, o.BatchMax);
        Assert.Equal(LogLevel.Debug, o.LogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.HeartbeatPeriod);
    }

    [Fact]
    public void Cold_start_makes_a_one_manager_cluster()
    {
        var o = Load([.. Base, "--cold-start"]);
        Assert.True(o.ColdStart);
        Assert.Equal([o.RaftEndPoint], o.Members);
    }

    [Fact]
    public void Request_code_runs_on_the_socket_threads_unless_io_on_thread_pool_is_given()
    {
        Assert.False(Load([.. Base, "--cold-start"]).IoOnThreadPool);
        Assert.True(Load([.. Base, "--cold-start", "--io-on-thread-pool"]).IoOnThreadPool);
    }

    [Theory]
    [InlineData("--node-id", "m 1", "--node-id 'm 1' is invalid; allowed: letters, digits, '-', '_', '.'")]
    [InlineData("--data-dir", "relative/dir", "--data-dir 'relative/dir' is not an absolute path; allowed: an absolute path")]
    [InlineData("--raft-address", "localhost:4001", "--raft-address 'localhost:4001' is not an address; allowed: IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4001")]
    [InlineData("--api-address", "127.0.0.1", "--api-address '127.0.0.1' is not an address; allowed: IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4001")]
    public void Bad_values_name_the_option_the_value_and_what_is_allowed(string option, string value, string message)
    {
        var args = Base.ToArray();
        args[Array.IndexOf(args, option) + 1] = value;
        Assert.Equal(message, Refusal([.. args, "--cold-start"]));
    }

    [Theory]
    [InlineData("--snapshot-every", "12x", "--snapshot-every '12x' is invalid; allowed: a whole number")]
    [InlineData("--log-level", "loud", "--log-level 'loud' is invalid; allowed: one of Trace, Debug, Information, Warning, Error, Critical, None")]
    public void Values_of_the_wrong_type_name_the_flag(string option, string value, string message)
        => Assert.Equal(message, SyntaxError([.. Base, option, value]));

    [Theory]
    [InlineData("--snapshot-every", "0", "--snapshot-every 0 is invalid; allowed: a whole number of at least 1")]
    [InlineData("--batch-max", "-3", "--batch-max -3 is invalid; allowed: a whole number of at least 1")]
    [InlineData("--election-timeout-ms", "300-200", "--election-timeout-ms '300-200' is invalid; allowed: LOWER at least 50 and UPPER above LOWER, e.g. 150-300")]
    [InlineData("--election-timeout-ms", "fast", "--election-timeout-ms 'fast' is invalid; allowed: LOWER-UPPER in milliseconds, e.g. 150-300")]
    [InlineData("--request-timeout-ms", "100", "--request-timeout-ms 100 is too short; allowed: at least the upper election timeout (300 ms)")]
    public void Values_out_of_range_are_refused_by_the_validator(string option, string value, string message)
        => Assert.Equal(message, Refusal([.. Base, "--cold-start", option, value]));

    [Theory]
    [InlineData("127.0.0.1:4001,127.0.0.1:4002", "2 managers listed; allowed: 1, 3, 5 or 7 (an odd number keeps a majority through a failure)")]
    [InlineData("127.0.0.1:4002,127.0.0.1:4003,127.0.0.1:4004", "the managers listed (127.0.0.1:4002, 127.0.0.1:4003, 127.0.0.1:4004) do not include this manager's raft address 127.0.0.1:4001")]
    [InlineData("127.0.0.1:4001,127.0.0.1:4001,127.0.0.1:4003", "the managers listed (127.0.0.1:4001, 127.0.0.1:4001, 127.0.0.1:4003) repeat an address; allowed: each manager once")]
    public void Bad_member_lists_are_refused(string peers, string message)
        => Assert.Equal($"--peers '{peers}': {message}", Refusal([.. Base, "--peers", peers]));

    [Fact]
    public void Missing_or_contradictory_options_are_refused()
    {
        Assert.StartsWith("option --node-id is required with --peers or --cold-start", Refusal([.. Base[2..], "--cold-start"]), StringComparison.Ordinal);
        Assert.StartsWith("--node-id was given without --peers or --cold-start", Refusal(Base), StringComparison.Ordinal);
        Assert.StartsWith("--peers and --cold-start were both given", Refusal([.. Base, "--cold-start", "--peers", "127.0.0.1:4001"]), StringComparison.Ordinal);
        Assert.StartsWith("option --raft-address is required", Refusal("--api-address", "127.0.0.1:5001"), StringComparison.Ordinal);
        Assert.Equal("option --data-dir is given twice; allowed: once", SyntaxError([.. Base, "--data-dir", "/x"]));
        Assert.Equal("option --data-dir needs a value: --data-dir DIR", SyntaxError("--data-dir", "--cold-start"));
    }

    [Theory]
    [InlineData("--raft-adress", "unknown option '--raft-adress'; did you mean '--raft-address'? (ck-manager --help lists the options)")]
    [InlineData("--cold-strat", "unknown option '--cold-strat'; did you mean '--cold-start'? (ck-manager --help lists the options)")]
    [InlineData("--bogus", "unknown option '--bogus' (ck-manager --help lists the options)")]
    [InlineData("stray", "unexpected argument 'stray'; ck-manager takes options only (ck-manager --help lists them)")]
    public void Unknown_options_are_refused_with_the_closest_one(string typed, string message)
        => Assert.Equal(message, SyntaxError([.. Base, typed]));

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_wins_and_never_takes_the_next_argument_as_its_value(string help)
    {
        Assert.True(ManagerCommandLine.Parse([help, "--data-dir", "/x"]).HelpRequested);
        Assert.True(ManagerCommandLine.Parse(["--node-id", help]).HelpRequested);
    }

    [Fact]
    public void Help_lists_every_option_with_its_default()
    {
        var help = ManagerCommandLine.Help();
        foreach (var flag in ManagerCommandLine.Flags)
        {
            Assert.Contains(flag.Name, help, StringComparison.Ordinal);
        }

        Assert.Contains("(default: 50000)", help, StringComparison.Ordinal);
        Assert.Contains("(default: 150-300)", help, StringComparison.Ordinal);
        Assert.Contains("(default: " + ManagerOptions.DefaultSocketPath, help, StringComparison.Ordinal);
        Assert.Contains("--help", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_copies_default_to_every_manager_and_the_acknowledgement_to_two_minutes()
    {
        var o = Load([.. Base, "--cold-start"]);
        Assert.Null(o.RegistryCopies);
        Assert.Equal(TimeSpan.FromMinutes(2), o.RegistryAckTimeout);
        var help = ManagerCommandLine.Help();
        Assert.Contains("--registry-copies N", help, StringComparison.Ordinal);
        Assert.Contains("(default: every manager)", help, StringComparison.Ordinal);
        Assert.Contains("--registry-ack-timeout SECONDS", help, StringComparison.Ordinal);
        Assert.Contains("(default: 120)", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_flags_are_parsed_and_reach_the_replication_and_durability_options()
    {
        var o = Load([.. Base, "--cold-start", "--registry-copies", "2", "--registry-ack-timeout=45"]);
        Assert.Equal((2, TimeSpan.FromSeconds(45)), (o.RegistryCopies, o.RegistryAckTimeout));

        using var services = new ServiceCollection().AddClusterRegistry(o).BuildServiceProvider();
        Assert.Equal(2, services.GetRequiredService<IOptions<BlobReplicationOptions>>().Value.Copies);
        Assert.Equal(TimeSpan.FromSeconds(45), services.GetRequiredService<IOptions<RegistryDurabilityOptions>>().Value.AcknowledgeTimeout);
    }

    [Theory]
    [InlineData("--registry-copies", "0", "--registry-copies 0 is invalid; allowed: a whole number of at least 1 (without the flag: every manager)")]
    [InlineData("--registry-copies", "-1", "--registry-copies -1 is invalid; allowed: a whole number of at least 1 (without the flag: every manager)")]
    [InlineData("--registry-ack-timeout", "0", "--registry-ack-timeout 0 is invalid; allowed: a whole number of seconds from 1 to 3600")]
    [InlineData("--registry-ack-timeout", "3601", "--registry-ack-timeout 3601 is invalid; allowed: a whole number of seconds from 1 to 3600")]
    public void Registry_values_out_of_range_are_refused_naming_the_flag_and_what_is_allowed(string option, string value, string message)
        => Assert.Equal(message, Refusal([.. Base, "--cold-start", option, value]));

    [Theory]
    [InlineData("--registry-copies", "all", "--registry-copies 'all' is invalid; allowed: a whole number")]
    [InlineData("--registry-ack-timeout", "2m", "--registry-ack-timeout '2m' is invalid; allowed: a whole number")]
    public void Registry_values_that_are_not_numbers_are_refused(string option, string value, string message)
        => Assert.Equal(message, SyntaxError([.. Base, option, value]));

    [Fact]
    public void Every_flag_sets_a_property_of_the_options()
    {
        foreach (var flag in ManagerCommandLine.Flags)
        {
            Assert.NotNull(typeof(ManagerOptions).GetProperty(flag.Property)?.SetMethod);
        }
    }

    [Fact]
    public void Without_a_fixed_member_list_the_manager_takes_its_identity_from_the_cluster()
    {
        var o = Load(Base[2..]);
        Assert.False(o.IsFixedMembership);
        Assert.Null(o.NodeId);
        Assert.Equal(ManagerOptions.DefaultSocketPath, o.SocketPath);
        Assert.Equal("/tmp/ck.sock", Load([.. Base[2..], "--socket", "/tmp/ck.sock"]).SocketPath);
        Assert.Equal("--socket 'ck.sock' is invalid; allowed: an absolute path of at most 107 bytes", Refusal([.. Base[2..], "--socket", "ck.sock"]));
    }
}
