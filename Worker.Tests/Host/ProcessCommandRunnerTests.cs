namespace ClusterKit.Worker.Host.Tests;

/// <summary>ProcessCommandRunner runs a real host process and reports what it said and how it ended.</summary>
public sealed class ProcessCommandRunnerTests
{
    private readonly ProcessCommandRunner _runner = ProcessCommandRunner.Instance;

    [Fact]
    public async Task A_command_reports_its_exit_code_stdout_and_stderr_separately()
    {
        var result = await _runner.RunAsync("sh", ["-c", "echo to-out; echo to-err >&2; exit 7"]);

        Assert.Equal(7, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("to-out\n", result.StandardOutput);
        Assert.Equal("to-err\n", result.StandardError);
    }

    [Fact]
    public async Task Arguments_reach_the_command_unsplit_and_standard_input_is_fed()
    {
        var result = await _runner.RunAsync("sh", ["-c", "printf '%s|' \"$1\"; cat", "sh", "one argument; not two"], "from stdin");

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal("one argument; not two|from stdin", result.StandardOutput);
    }

    [Fact]
    public async Task EnsureSuccess_throws_with_the_command_line_exit_code_and_stderr()
    {
        var result = await _runner.RunAsync("sh", ["-c", "echo 'nft: no such table' >&2; exit 1"]);

        var error = Assert.Throws<CommandFailedException>(() => result.EnsureSuccess("sh", ["-c", "x"]));

        Assert.Equal("sh -c x exited with 1: nft: no such table", error.Message);
        Assert.Same(result, error.Result);
        var ok = await _runner.RunAsync("true", []);
        Assert.Same(ok, ok.EnsureSuccess("true", []));
    }

    [Fact]
    public async Task A_missing_program_is_an_error_that_names_it()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _runner.RunAsync("ckt-no-such-program", []));

        Assert.Contains("ckt-no-such-program", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_stops_waiting_for_a_command_that_does_not_end()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runner.RunAsync("sleep", ["3"], cancellationToken: cancel.Token));
    }
}
