using ClusterKit.Worker.Runtime.Security;

namespace ClusterKit.Worker.Runtime.Tests.Security;

public sealed class CapabilitiesTests
{
    [Fact]
    public void Docker_default_set_is_a80425fb() => Assert.Equal(0xa80425fbUL, Capabilities.DockerDefault);

    [Theory]
    [InlineData("NET_ADMIN", 12)]
    [InlineData("cap_net_admin", 12)]
    [InlineData(" CAP_SYS_ADMIN ", 21)]
    [InlineData("CHECKPOINT_RESTORE", 40)]
    public void Names_parse_with_or_without_prefix_in_any_case(string name, int expected) => Assert.Equal(expected, Capabilities.Parse(name));

    [Fact]
    public void Numbers_name_back() => Assert.Equal("CAP_NET_RAW", Capabilities.NameOf(13));

    [Fact]
    public void An_unknown_name_is_a_one_line_error_listing_the_allowed_names()
    {
        var error = Assert.Throws<ArgumentException>(() => Capabilities.Parse("NET_ADMN"));

        Assert.StartsWith("unknown capability \"NET_ADMN\": allowed are ALL or CAP_CHOWN, CAP_DAC_OVERRIDE", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Drop_removes_and_add_adds_to_the_default_set()
    {
        var mask = Capabilities.Resolve(["SYS_ADMIN"], ["NET_RAW", "MKNOD"]);

        Assert.Contains("CAP_SYS_ADMIN", Capabilities.ToNames(mask));
        Assert.DoesNotContain("CAP_NET_RAW", Capabilities.ToNames(mask));
        Assert.DoesNotContain("CAP_MKNOD", Capabilities.ToNames(mask));
        Assert.Equal(13, Capabilities.ToNames(mask).Count);
    }

    [Fact]
    public void Add_ALL_grants_every_capability_but_the_dropped_ones()
    {
        var mask = Capabilities.Resolve(["ALL"], ["SYS_MODULE"]);

        Assert.Equal(Capabilities.All & ~(1UL << 16), mask);
    }

    [Fact]
    public void Drop_ALL_keeps_only_the_added_ones() =>
        Assert.Equal((1UL << 10) | (1UL << 7), Capabilities.Resolve(["NET_BIND_SERVICE", "setuid"], ["all"]));

    [Fact]
    public void Root_gets_the_set_as_effective_and_others_only_as_bounding()
    {
        var root = ProcessCapabilities.For(0xa80425fb, 0);
        var user = ProcessCapabilities.For(0xa80425fb, 1000);

        Assert.Equal(new ProcessCapabilities(0xa80425fb, 0xa80425fb, 0xa80425fb, 0, 0), root);
        Assert.Equal(new ProcessCapabilities(0xa80425fb, 0, 0, 0, 0), user);
    }
}
