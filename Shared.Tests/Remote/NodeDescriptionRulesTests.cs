using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Remote;

namespace ClusterKit.Shared.Tests.Remote;

public sealed class NodeDescriptionRulesTests
{
    [Theory]
    [InlineData("worker-1")]
    [InlineData("mgr_2.lab.example")]
    [InlineData("A")]
    public void Ordinary_hostnames_pass(string hostname) => Assert.Null(NodeDescriptionRules.CheckHostname(hostname));

    [Theory]
    [InlineData("evil\n0123456789ab  Leader", "hostname 'evil\\n0123456789ab  Leader' refused; allowed: dot-separated labels")]
    [InlineData("\u001b[2Jx", "hostname '\\x1b[2Jx' refused;")]
    [InlineData("-dash", "hostname '-dash' refused;")]
    [InlineData("a..b", "hostname 'a..b' refused;")]
    [InlineData("", "hostname of 0 characters refused; allowed: 1 to 253 characters")]
    public void Hostnames_with_control_characters_or_outside_dns_are_refused_escaped(string hostname, string error) =>
        Assert.StartsWith(error, NodeDescriptionRules.CheckHostname(hostname), StringComparison.Ordinal);

    [Fact]
    public void A_huge_hostname_is_refused_without_echoing_it()
    {
        var huge = new string('a', 3 << 20);

        var error = NodeDescriptionRules.CheckHostname(huge)!;

        Assert.Equal($"hostname of {huge.Length} characters refused; allowed: 1 to 253 characters", error);
        var quoted = NodeDescriptionRules.CheckHostname(new string('a', 70) + "\n")!;
        Assert.True(quoted.Length < 250, quoted);
        Assert.Contains("... (71 characters)", quoted, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptions_are_checked_field_by_field()
    {
        Assert.Null(NodeDescriptionRules.Check(Description()));
        Assert.StartsWith("engine version", NodeDescriptionRules.Check(Description(d => d.EngineVersion = "1.0\u001b[31m")), StringComparison.Ordinal);
        Assert.StartsWith("platform os", NodeDescriptionRules.Check(Description(d => d.Platform.Os = new string('x', 65))), StringComparison.Ordinal);
        Assert.StartsWith("engine label key 'a=b'", NodeDescriptionRules.Check(Description(d => d.EngineLabels["a=b"] = "c")), StringComparison.Ordinal);
        Assert.StartsWith("engine label 'zone' value 'a\\nb'", NodeDescriptionRules.Check(Description(d => d.EngineLabels["zone"] = "a\nb")), StringComparison.Ordinal);
        Assert.StartsWith("66 engine labels refused", NodeDescriptionRules.Check(Description(d =>
        {
            for (var i = 0; i < 65; i++)
            {
                d.EngineLabels["k" + i] = "v";
            }
        })), StringComparison.Ordinal);
    }

    [Fact]
    public void Escaping_leaves_printable_text_alone_and_spells_out_control_characters()
    {
        Assert.Equal("plain ü text", RemoteText.Escape("plain ü text"));
        Assert.Equal("a\\nb\\x1b[31m\\t", RemoteText.Escape("a\nb\u001b[31m\t"));
        Assert.Equal(string.Empty, RemoteText.Escape(null));
        Assert.False(RemoteText.IsPrintable("bad\ud800"));
        Assert.True(RemoteText.IsPrintable("emoji \ud83d\ude00"));
    }

    private static NodeDescription Description(Action<NodeDescription>? change = null)
    {
        var description = new NodeDescription
        {
            Hostname = "worker-1",
            EngineVersion = "clusterkit 0.1",
            Platform = new Platform { Os = "linux", Architecture = "amd64" },
            EngineLabels = { ["zone"] = "a" },
        };
        change?.Invoke(description);
        return description;
    }

    [Fact]
    public void A_status_detail_is_cut_when_it_quotes_a_huge_value()
    {
        var detail = RemoteText.StatusDetail("no such container: '" + new string('a', 1 << 20) + "'");

        Assert.True(detail.Length < RemoteText.StatusDetailLimit + 100, detail.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.EndsWith($"... (message cut at 2048 of {(1 << 20) + 21} characters)", detail, StringComparison.Ordinal);
        Assert.Equal("short one", RemoteText.StatusDetail("short one"));
    }
}
