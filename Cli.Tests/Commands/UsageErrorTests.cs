using Grpc.Core;

namespace ClusterKit.Cli.Tests.Commands;

/// <summary>What ck prints for a command line it cannot run: one line saying what is wrong, a usage line, exit 2.</summary>
public sealed class UsageErrorTests
{
    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliProgram.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task A_mistyped_command_is_named_with_the_closest_one()
    {
        var (code, _, error) = await RunAsync("contaner", "ps");

        Assert.Equal(CliProgram.UsageError, code);
        Assert.Equal(
            ["Error: unknown command 'contaner' for 'ck'; did you mean 'container'?", "usage: ck [options] COMMAND  (ck --help for more)"],
            Lines(error));
    }

    [Fact]
    public async Task A_mistyped_subcommand_and_option_are_named_too()
    {
        Assert.StartsWith("Error: unknown command 'lss' for 'ck node'; did you mean 'ls'?", (await RunAsync("node", "lss")).Error, StringComparison.Ordinal);
        Assert.StartsWith("Error: unknown option '--al' for 'ck container ps'; did you mean '--all'?", (await RunAsync("container", "ps", "--al")).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_argument_is_named_in_one_line_with_a_usage_line()
    {
        var (code, output, error) = await RunAsync("container", "logs");

        Assert.Equal(CliProgram.UsageError, code);
        Assert.Empty(output);
        Assert.Equal(
            ["Error: missing argument CONTAINER for 'ck container logs'", "usage: ck container logs [options] CONTAINER  (ck container logs --help for more)"],
            Lines(error));
    }

    [Fact]
    public async Task A_group_without_a_command_lists_its_commands()
    {
        var (code, _, error) = await RunAsync("node");

        Assert.Equal(CliProgram.UsageError, code);
        Assert.StartsWith("Error: 'ck node' needs a command: ls, inspect", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_of_ck_and_of_every_command_exits_zero_and_prints_help()
    {
        var commands = new List<string[]> { Array.Empty<string>() };
        for (var i = 0; i < commands.Count; i++)
        {
            var path = commands[i];
            var (code, output, error) = await RunAsync([.. path, "--help"]);
            Assert.True(code == 0, $"ck {string.Join(' ', path)} --help exited {code}: {error}");
            Assert.Contains("Usage:", output, StringComparison.Ordinal);
            Assert.Empty(error);
            commands.AddRange(Subcommands(path).Select(name => (string[])[.. path, name]));
        }

        Assert.True(commands.Count > 30, $"only {commands.Count} commands were visited");
    }

    [Fact]
    public async Task Short_help_exits_zero_too()
    {
        Assert.Equal(0, (await RunAsync("-h")).Code);
        Assert.Equal(0, (await RunAsync("container", "rm", "-h")).Code);
    }

    [Fact]
    public void Ctrl_c_during_a_call_is_an_interrupt_not_an_error()
    {
        var cancelled = new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));

        Assert.True(CliProgram.IsInterrupt(cancelled, interrupted: true));
        Assert.True(CliProgram.IsInterrupt(new OperationCanceledException(), interrupted: false));
        Assert.False(CliProgram.IsInterrupt(cancelled, interrupted: false));
        Assert.False(CliProgram.IsInterrupt(new RpcException(new Status(StatusCode.Unavailable, "x")), interrupted: true));
    }

    private static IEnumerable<string> Subcommands(string[] path)
    {
        System.CommandLine.Command command = CliRoot.Build();
        foreach (var name in path)
        {
            command = command.Subcommands.Single(c => c.Name == name);
        }

        return command.Subcommands.Select(c => c.Name);
    }
}
