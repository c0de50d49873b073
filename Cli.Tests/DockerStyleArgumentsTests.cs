namespace ClusterKit.Cli.Tests;

public sealed class DockerStyleArgumentsTests
{
    [Fact]
    public void A_container_command_s_options_after_the_image_go_to_the_container() =>
        Assert.Equal(["container", "run", "busybox", "--", "ls", "-la"], DockerStyleArguments.Normalise(CliRoot.Build(), ["container", "run", "busybox", "ls", "-la"]));

    [Fact]
    public void Another_create_command_keeps_its_options_after_its_argument() =>
        Assert.Equal(["registry", "credential", "create", "ci", "--push"], DockerStyleArguments.Normalise(CliRoot.Build(), ["registry", "credential", "create", "ci", "--push"]));
}
