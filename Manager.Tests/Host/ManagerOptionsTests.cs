using ClusterKit.Manager.Host;

namespace ClusterKit.Manager.Tests.Host;

public sealed class ManagerOptionsTests
{
    private static readonly string[] Base =
        ["--node-id", "m1", "--data-dir", "/var/lib/ck/m1", "--raft-address", "127.0.0.1:4001", "--api-address", "127.0.0.1:5001"];

    [Fact]
    public void Peers_and_defaults_are_parsed()
    {
        var o = ManagerOptions.Parse([.. Base, "--peers", "127.0.0.1:4001, 127.0.0.1:4002,127.0.0.1:4003", "--election-timeout-ms", "200-400"]);
        Assert.Equal("m1", o.NodeId);
        Assert.Equal(3, o.Members.Count);
        Assert.Equal(200, o.LowerElectionTimeoutMs);
        Assert.Equal(400, o.UpperElectionTimeoutMs);
        Assert.Equal(TimeSpan.FromSeconds(5), o.RequestTimeout);
        Assert.Equal(50_000, o.SnapshotEvery);
    }

    [Fact]
    public void Cold_start_makes_a_one_manager_cluster()
    {
        var o = ManagerOptions.Parse([.. Base, "--cold-start"]);
        Assert.True(o.ColdStart);
        Assert.Equal([o.RaftEndPoint], o.Members);
    }

    [Theory]
    [InlineData("--node-id", "m 1", "node id 'm 1' is invalid; allowed: letters, digits, '-', '_', '.'")]
    [InlineData("--data-dir", "relative/dir", "--data-dir 'relative/dir' is not an absolute path; allowed: an absolute path")]
    [InlineData("--raft-address", "localhost:4001", "--raft-address 'localhost:4001' is not an address; allowed: IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4001")]
    [InlineData("--api-address", "127.0.0.1", "--api-address '127.0.0.1' is not an address; allowed: IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4001")]
    public void Bad_values_name_the_option_the_value_and_what_is_allowed(string option, string value, string message)
    {
        var args = Base.ToArray();
        args[Array.IndexOf(args, option) + 1] = value;
        var e = Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. args, "--cold-start"]));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:4001,127.0.0.1:4002", "2 managers listed; allowed: 1, 3, 5 or 7 (an odd number keeps a majority through a failure)")]
    [InlineData("127.0.0.1:4002,127.0.0.1:4003,127.0.0.1:4004", "the managers listed (127.0.0.1:4002, 127.0.0.1:4003, 127.0.0.1:4004) do not include this manager's raft address 127.0.0.1:4001")]
    [InlineData("127.0.0.1:4001,127.0.0.1:4001,127.0.0.1:4003", "the managers listed (127.0.0.1:4001, 127.0.0.1:4001, 127.0.0.1:4003) repeat an address; allowed: each manager once")]
    public void Bad_member_lists_are_refused(string peers, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. Base, "--peers", peers]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Missing_or_contradictory_options_are_refused()
    {
        Assert.Equal("option --node-id is required with --peers or --cold-start", Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. Base[2..], "--cold-start"])).Message);
        Assert.StartsWith("--node-id was given without --peers or --cold-start", Assert.Throws<ArgumentException>(() => ManagerOptions.Parse(Base)).Message, StringComparison.Ordinal);
        Assert.StartsWith("--peers and --cold-start were both given", Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. Base, "--cold-start", "--peers", "127.0.0.1:4001"])).Message, StringComparison.Ordinal);
        Assert.StartsWith("option '--bogus' is unknown", Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. Base, "--bogus", "1"])).Message, StringComparison.Ordinal);
        Assert.Equal("request timeout 100 ms is invalid; allowed: at least the upper election timeout (300 ms)", Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. Base, "--cold-start", "--request-timeout-ms", "100"])).Message);
    }

    [Fact]
    public void Without_a_fixed_member_list_the_manager_takes_its_identity_from_the_cluster()
    {
        var o = ManagerOptions.Parse(Base[2..]);
        Assert.False(o.IsFixedMembership);
        Assert.Null(o.NodeId);
        Assert.Equal(ManagerOptions.DefaultSocketPath, o.SocketPath);
        Assert.Equal("/tmp/ck.sock", ManagerOptions.Parse([.. Base[2..], "--socket", "/tmp/ck.sock"]).SocketPath);
        Assert.Equal(
            "--socket 'ck.sock' is invalid; allowed: an absolute path of at most 107 bytes",
            Assert.Throws<ArgumentException>(() => ManagerOptions.Parse([.. Base[2..], "--socket", "ck.sock"])).Message);
    }
}
