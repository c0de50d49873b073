using ClusterKit.Worker.Images.Configs;

namespace ClusterKit.Worker.Images.Tests.Configs;

public sealed class ChangeLinesTests
{
    [Fact]
    public void Cmd_exec_form_is_kept_and_shell_form_is_wrapped_in_sh()
    {
        var exec = ChangeLines.Apply(null, ["CMD [\"httpd\", \"-f\", \"-p\", \"80\"]"]);
        var shell = ChangeLines.Apply(null, ["cmd echo $HOME && sleep 1"]);

        Assert.Equal(["httpd", "-f", "-p", "80"], exec.Cmd);
        Assert.Equal(["/bin/sh", "-c", "echo $HOME && sleep 1"], shell.Cmd);
    }

    [Fact]
    public void Entrypoint_drops_an_inherited_cmd_but_not_one_set_in_the_same_changes()
    {
        var image = new ContainerConfig { Cmd = ["sh"] };

        var dropped = ChangeLines.Apply(image, ["ENTRYPOINT [\"/bin/app\"]"]);
        var kept = ChangeLines.Apply(image, ["CMD [\"--serve\"]", "ENTRYPOINT [\"/bin/app\"]"]);

        Assert.Null(dropped.Cmd);
        Assert.Equal(["/bin/app"], dropped.Entrypoint);
        Assert.Equal(["--serve"], kept.Cmd);
        Assert.Equal(["sh"], image.Cmd);
    }

    [Fact]
    public void Env_pairs_override_by_key_and_keep_order()
    {
        var image = new ContainerConfig { Env = ["PATH=/bin", "A=1"] };

        var config = ChangeLines.Apply(image, ["ENV A=2 B=\"two words\"", "ENV C legacy form value"]);

        Assert.Equal(["PATH=/bin", "A=2", "B=two words", "C=legacy form value"], config.Env);
    }

    [Fact]
    public void Workdir_expose_label_user_stopsignal_volume()
    {
        var config = ChangeLines.Apply(new ContainerConfig { WorkingDir = "/srv" }, [
            "WORKDIR app",
            "EXPOSE 80 53/udp 8000-8002/tcp",
            "LABEL maintainer=ops \"com.example.tier\"=web",
            "USER www:www",
            "STOPSIGNAL quit",
            "VOLUME [\"/data\"]",
        ]);

        Assert.Equal("/srv/app", config.WorkingDir);
        Assert.Equal(["53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"], config.ExposedPorts!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("ops", config.Labels!["maintainer"]);
        Assert.Equal("web", config.Labels["com.example.tier"]);
        Assert.Equal("www:www", config.User);
        Assert.Equal("SIGQUIT", config.StopSignal);
        Assert.Contains("/data", config.Volumes!.Keys);
    }

    [Fact]
    public void Healthcheck_options_and_command()
    {
        var config = ChangeLines.Apply(null, ["HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --retries=3 CMD wget -q -O- http://localhost/"]);
        var none = ChangeLines.Apply(config, ["HEALTHCHECK NONE"]);
        var exec = ChangeLines.Apply(null, ["HEALTHCHECK CMD [\"/bin/check\", \"-q\"]"]);

        Assert.Equal(["CMD-SHELL", "wget -q -O- http://localhost/"], config.Healthcheck!.Test);
        Assert.Equal(30_000_000_000L, config.Healthcheck.Interval);
        Assert.Equal(90_000_000_000L, config.Healthcheck.Timeout);
        Assert.Equal(500_000_000L, config.Healthcheck.StartPeriod);
        Assert.Equal(3, config.Healthcheck.Retries);
        Assert.Equal(["NONE"], none.Healthcheck!.Test);
        Assert.Equal(["CMD", "/bin/check", "-q"], exec.Healthcheck!.Test);
    }

    [Theory]
    [InlineData("FROM busybox", "invalid change 'FROM busybox': unknown instruction FROM; allowed: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR")]
    [InlineData("CMD", "invalid change 'CMD': missing argument: expected a command in exec form [\"executable\",\"arg\"] or shell form")]
    [InlineData("CMD [\"a\",", "invalid change 'CMD [\"a\",': exec form must be a JSON array of strings")]
    [InlineData("EXPOSE 70000", "invalid change 'EXPOSE 70000': port '70000' is not a number from 1 to 65535")]
    [InlineData("EXPOSE 80/icmp", "invalid change 'EXPOSE 80/icmp': port '80/icmp' has protocol 'icmp'; allowed: tcp, udp, sctp")]
    [InlineData("ENV =x", "invalid change 'ENV =x': '=x' is not KEY=VALUE")]
    [InlineData("LABEL a=\"open", "invalid change 'LABEL a=\"open': unterminated \" quote")]
    [InlineData("STOPSIGNAL SIGNOPE", "invalid change 'STOPSIGNAL SIGNOPE': unknown signal 'SIGNOPE'; use a name such as SIGTERM or a number")]
    [InlineData("HEALTHCHECK --interval=5x CMD true", "invalid change 'HEALTHCHECK --interval=5x CMD true': --interval=5x: unit 'x' in '5x' is not one of ns, us, ms, s, m, h")]
    [InlineData("VOLUME data", "invalid change 'VOLUME data': volume 'data' must be an absolute path")]
    public void Bad_lines_get_one_line_errors(string line, string expected)
    {
        var error = Assert.Throws<ImageStoreException>(() => ChangeLines.Apply(null, [line]));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(ImageErrorKind.InvalidArgument, error.Kind);
    }
}
