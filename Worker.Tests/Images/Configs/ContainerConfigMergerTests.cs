using ClusterKit.Worker.Images.Configs;

namespace ClusterKit.Worker.Images.Tests.Configs;

public sealed class ContainerConfigMergerTests
{
    private static readonly ContainerConfig Image = new()
    {
        Entrypoint = ["/docker-entrypoint.sh"],
        Cmd = ["nginx", "-g", "daemon off;"],
        Env = ["PATH=/usr/bin:/bin", "MODE=prod"],
        WorkingDir = "/srv",
        User = "www",
        StopSignal = "SIGQUIT",
        Labels = new Dictionary<string, string> { ["tier"] = "web" },
        ExposedPorts = new Dictionary<string, EmptyObject> { ["80/tcp"] = EmptyObject.Instance },
    };

    [Fact]
    public void Nothing_given_runs_the_image_entrypoint_with_its_cmd()
    {
        var merged = ContainerConfigMerger.Merge(Image, new ContainerOverrides(), "nginx:latest");

        Assert.Equal(["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"], merged.Command);
        Assert.Equal("/srv", merged.WorkingDir);
        Assert.Equal("www", merged.User);
        Assert.Equal("SIGQUIT", merged.StopSignal);
        Assert.Equal(["80/tcp"], merged.ExposedPorts);
    }

    [Fact]
    public void A_given_cmd_replaces_the_image_cmd_and_keeps_the_entrypoint()
    {
        var merged = ContainerConfigMerger.Merge(Image, new ContainerOverrides { Cmd = ["sh"] }, "nginx");

        Assert.Equal(["/docker-entrypoint.sh", "sh"], merged.Command);
    }

    [Fact]
    public void A_given_entrypoint_resets_the_image_cmd()
    {
        var alone = ContainerConfigMerger.Merge(Image, new ContainerOverrides { Entrypoint = ["/bin/sh"] }, "nginx");
        var withCmd = ContainerConfigMerger.Merge(Image, new ContainerOverrides { Entrypoint = ["/bin/sh"], Cmd = ["-c", "id"] }, "nginx");
        var cleared = ContainerConfigMerger.Merge(Image, new ContainerOverrides { Entrypoint = [], Cmd = ["top"] }, "nginx");

        Assert.Equal(["/bin/sh"], alone.Command);
        Assert.Empty(alone.Cmd);
        Assert.Equal(["/bin/sh", "-c", "id"], withCmd.Command);
        Assert.Equal(["top"], cleared.Command);
    }

    [Fact]
    public void Env_overrides_by_key_appends_new_and_defaults_path()
    {
        var merged = ContainerConfigMerger.Merge(Image, new ContainerOverrides { Env = ["MODE=dev", "EXTRA=a=b"] }, "nginx");
        var bare = ContainerConfigMerger.Merge(new ContainerConfig { Cmd = ["sh"] }, new ContainerOverrides(), "busybox");

        Assert.Equal(["PATH=/usr/bin:/bin", "MODE=dev", "EXTRA=a=b"], merged.Env);
        Assert.Equal([ContainerConfigMerger.DefaultPath], bare.Env);
    }

    [Fact]
    public void Working_dir_user_stop_signal_and_labels_fall_back_in_order()
    {
        var given = ContainerConfigMerger.Merge(Image, new ContainerOverrides { WorkingDir = "/tmp", User = "0:0", StopSignal = "SIGINT", Labels = new Dictionary<string, string> { ["tier"] = "edge", ["x"] = "1" } }, "nginx");
        var defaults = ContainerConfigMerger.Merge(new ContainerConfig { Cmd = ["sh"] }, new ContainerOverrides(), "busybox");

        Assert.Equal(("/tmp", "0:0", "SIGINT"), (given.WorkingDir, given.User, given.StopSignal));
        Assert.Equal("edge", given.Labels["tier"]);
        Assert.Equal("1", given.Labels["x"]);
        Assert.Equal(("/", "", "SIGTERM"), (defaults.WorkingDir, defaults.User, defaults.StopSignal));
    }

    [Fact]
    public void No_command_anywhere_is_an_error_naming_the_image()
    {
        var error = Assert.Throws<ImageStoreException>(() => ContainerConfigMerger.Merge(new ContainerConfig(), new ContainerOverrides(), "scratch-app:1"));

        Assert.Equal("no command for a container of image scratch-app:1: the image has no Entrypoint or Cmd; give a command or --entrypoint", error.Message);
    }

    [Theory]
    [InlineData("NOVALUE", "invalid env entry 'NOVALUE': expected KEY=VALUE")]
    [InlineData("=x", "invalid env entry '=x': expected KEY=VALUE")]
    public void Bad_env_entries_are_refused(string entry, string expected)
    {
        var error = Assert.Throws<ImageStoreException>(() => ContainerConfigMerger.Merge(Image, new ContainerOverrides { Env = [entry] }, "nginx"));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void A_relative_working_dir_is_refused()
    {
        var error = Assert.Throws<ImageStoreException>(() => ContainerConfigMerger.Merge(Image, new ContainerOverrides { WorkingDir = "app" }, "nginx"));

        Assert.Equal("invalid working directory 'app': it must be an absolute path", error.Message);
    }
}
