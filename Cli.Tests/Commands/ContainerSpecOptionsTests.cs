using ClusterKit.Cli.Commands;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Commands;

/// <summary>--device and --security-opt of `ck container create/run`, as Docker reads them.</summary>
public sealed class ContainerSpecOptionsTests
{
    [Theory]
    [InlineData("/dev/kvm", "/dev/kvm", "/dev/kvm", "rwm")]
    [InlineData("/dev/kvm:r", "/dev/kvm", "/dev/kvm", "r")]
    [InlineData("/dev/kvm:/dev/vm", "/dev/kvm", "/dev/vm", "rwm")]
    [InlineData("/dev/sda:/dev/xvdc:rw", "/dev/sda", "/dev/xvdc", "rw")]
    public void Device_takes_host_optional_container_path_and_optional_permissions(string value, string host, string container, string permissions)
    {
        var device = ContainerSpecOptions.ParseDevice(value);

        Assert.Equal((host, container, permissions), (device.HostPath, device.ContainerPath, device.Permissions));
    }

    [Theory]
    [InlineData("dev/kvm", "the host and container paths must be absolute (HOST[:CONTAINER][:PERMISSIONS])")]
    [InlineData("/dev/kvm:/dev/kvm:rwx", "permissions 'rwx' must be a non-empty combination of r, w and m")]
    [InlineData("/dev/kvm:/dev/kvm:r:x", "use HOST[:CONTAINER][:PERMISSIONS]")]
    public void A_malformed_device_names_the_flag_and_the_form(string value, string expected)
    {
        var error = Assert.Throws<SpecFormatException>(() => ContainerSpecOptions.ParseDevice(value));

        Assert.Equal($"invalid --device '{value}': {expected}", error.Message);
    }

    [Theory]
    [InlineData("no-new-privileges", true)]
    [InlineData("no-new-privileges:true", true)]
    [InlineData("no-new-privileges=true", true)]
    [InlineData("no-new-privileges:false", false)]
    public void No_new_privileges_is_read_as_docker_does(string value, bool expected) =>
        Assert.Equal(expected, ContainerSpecOptions.ParseSecurityOption(value));

    [Theory]
    [InlineData("seccomp=unconfined", "supported is no-new-privileges[:true|false]")]
    [InlineData("no-new-privileges:yes", "no-new-privileges takes true or false")]
    public void An_unknown_security_option_is_refused_naming_what_is_supported(string value, string expected)
    {
        var error = Assert.Throws<SpecFormatException>(() => ContainerSpecOptions.ParseSecurityOption(value));

        Assert.Equal($"invalid --security-opt '{value}': {expected}", error.Message);
    }
}
