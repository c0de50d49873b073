using System.CommandLine;
using ClusterKit.Cli.Commands;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Commands;

/// <summary>`ck registry` as an operator types it; every case here ends before any connection.</summary>
public sealed class RegistryCommandsTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("registry", "ls")]
    [InlineData("registry", "list", "team/app", "--format", "json")]
    [InlineData("registry", "inspect", "busybox", "team/app@sha256:" + Hex)]
    [InlineData("registry", "rm", "team/app:1", "team/app:2")]
    [InlineData("registry", "remove", "team/app:1", "--host", "10.0.0.1:4243")]
    public void The_registry_commands_parse(params string[] args) => Assert.Empty(CliRoot.Build().Parse(args).Errors);

    [Fact]
    public void Rm_and_inspect_need_a_reference()
    {
        Assert.NotEmpty(CliRoot.Build().Parse(["registry", "rm"]).Errors);
        Assert.NotEmpty(CliRoot.Build().Parse(["registry", "inspect"]).Errors);
        Assert.NotEmpty(CliRoot.Build().Parse(["registry", "ls", "a", "b"]).Errors);
    }

    [Fact]
    public void The_group_holds_every_registry_command()
    {
        var registry = RegistryCommands.Build();

        Assert.Equal("registry", registry.Name);
        Assert.Equal(["ls", "inspect", "rm", "gc", "credential"], registry.Subcommands.Select(c => c.Name));
    }

    [Theory]
    [InlineData("Team/App", "invalid reference 'Team/App': repository names must be lowercase; allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST")]
    [InlineData("app@sha256:abc", "invalid reference 'app@sha256:abc': the digest must be sha256: followed by 64 lowercase hex digits (or sha512: followed by 128); allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST")]
    [InlineData("app:1@sha256:" + Hex, "invalid reference 'app:1@sha256:" + Hex + "': it gives both a tag and a digest; allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST")]
    [InlineData("", "invalid reference '': the reference is empty; expected [host[:port]/]name[:tag][@digest]; allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST")]
    public void A_bad_reference_is_one_line_naming_it_and_what_is_allowed(string reference, string expected)
    {
        var error = Assert.Throws<SpecFormatException>(() => RegistryCommands.CheckReference(reference));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("team/app:1", "invalid repository 'team/app:1': allowed: a repository name without tag or digest, such as team/app or busybox")]
    [InlineData("a//b", "invalid reference 'a//b': repository path components cannot be empty (no leading, trailing or doubled '/'); allowed: a repository name such as team/app or busybox")]
    public void Ls_takes_a_repository_name_only(string repository, string expected)
    {
        var error = Assert.Throws<SpecFormatException>(() => RegistryCommands.CheckRepository(repository));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task Ls_with_a_bad_repository_or_format_fails_before_connecting()
    {
        var root = CliRoot.Build();
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };

        await Assert.ThrowsAsync<SpecFormatException>(() => root.Parse(["registry", "ls", "Team", "--manager-socket", "/nonexistent/ckt-registry.sock"]).InvokeAsync(config));
        await Assert.ThrowsAsync<SpecFormatException>(() => root.Parse(["registry", "ls", "--format", "yaml", "--manager-socket", "/nonexistent/ckt-registry.sock"]).InvokeAsync(config));
    }

    [Theory]
    [InlineData("team/app:1", "'team/app:1': repository team/app has no tag '1'", "Error: 'team/app:1': repository team/app has no tag '1'")]
    [InlineData("team/app:1", "permission denied", "Error: team/app:1: permission denied")]
    [InlineData("team/app:1", "bad \u001b[2J", "Error: team/app:1: bad \\x1b[2J")]
    public void An_error_line_names_the_reference_once_and_is_escaped(string reference, string message, string expected) =>
        Assert.Equal(expected, RegistryCommands.ErrorLine(reference, message));
}
