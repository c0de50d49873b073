using ClusterKit.Cli.Nodes;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Nodes;

public sealed class NodeUpdateArgumentsTests
{
    [Theory]
    [InlineData("active", NodeAvailability.Active)]
    [InlineData("pause", NodeAvailability.Pause)]
    [InlineData("drain", NodeAvailability.Drain)]
    public void Availability_takes_the_three_docker_words(string text, NodeAvailability expected)
    {
        var request = NodeUpdateArguments.Parse("n1", text, null, null);

        Assert.Equal(expected, request.Availability);
        Assert.Equal("n1", request.Node);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("Active")]
    [InlineData("")]
    public void An_unknown_availability_names_the_flag_the_value_and_the_allowed_words(string text)
    {
        var error = Assert.Throws<SpecFormatException>(() => NodeUpdateArguments.Parse("n1", text, null, null));

        Assert.Equal($"--availability '{text}' is unknown; allowed: active, pause, drain", error.Message);
    }

    [Fact]
    public void Labels_are_key_equals_value_or_a_key_alone_and_keep_equals_signs_in_the_value()
    {
        var request = NodeUpdateArguments.Parse("n1", null, ["zone=a", "ssd", "expr=a=b", "empty="], ["old"]);

        Assert.Equal(NodeAvailability.Unspecified, request.Availability);
        Assert.Equal("a", request.LabelAdd["zone"]);
        Assert.Equal(string.Empty, request.LabelAdd["ssd"]);
        Assert.Equal("a=b", request.LabelAdd["expr"]);
        Assert.Equal(string.Empty, request.LabelAdd["empty"]);
        Assert.Equal(["old"], request.LabelRm);
    }

    [Theory]
    [InlineData("=a")]
    [InlineData(" zone=a")]
    [InlineData("")]
    public void A_label_without_a_key_is_refused_naming_the_flag(string label)
    {
        var error = Assert.Throws<SpecFormatException>(() => NodeUpdateArguments.Parse("n1", null, [label], null));

        Assert.StartsWith($"--label-add '{label}' has no key", error.Message, StringComparison.Ordinal);
        Assert.Contains("KEY=VALUE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_rm_takes_a_key_only()
    {
        var error = Assert.Throws<SpecFormatException>(() => NodeUpdateArguments.Parse("n1", null, null, ["zone=a"]));

        Assert.StartsWith("--label-rm 'zone=a' is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_label_added_and_removed_is_refused()
    {
        var error = Assert.Throws<SpecFormatException>(() => NodeUpdateArguments.Parse("n1", null, ["zone=a"], ["zone"]));

        Assert.Contains("--label-rm zone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_label_added_twice_with_different_values_is_refused_and_with_the_same_value_kept_once()
    {
        Assert.Throws<SpecFormatException>(() => NodeUpdateArguments.Parse("n1", null, ["zone=a", "zone=b"], null));

        var request = NodeUpdateArguments.Parse("n1", null, ["zone=a", "zone=a"], ["x", "x"]);
        Assert.Single(request.LabelAdd);
        Assert.Single(request.LabelRm);
    }

    [Fact]
    public void An_update_that_changes_nothing_says_which_flags_exist()
    {
        var error = Assert.Throws<SpecFormatException>(() => NodeUpdateArguments.Parse("n1", null, [], []));

        Assert.Contains("--availability active|pause|drain", error.Message, StringComparison.Ordinal);
    }
}
