using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking.Tests;

/// <summary>A fake host: records each command with its stdin and answers from rules the test sets.</summary>
internal sealed class ScriptedCommandRunner : ICommandRunner
{
    private readonly List<ScriptedAnswer> _answers = [];
    private readonly List<(string Command, string? Input)> _calls = [];

    public IReadOnlyList<string> Commands => [.. _calls.Select(c => c.Command)];

    public IReadOnlyList<(string Command, string? Input)> Calls => _calls;

    /// <summary>Answers commands starting with <paramref name="prefix"/> (<paramref name="times"/> times); later rules win.</summary>
    public ScriptedCommandRunner Answer(string prefix, int exitCode, string standardOutput = "", string standardError = "", int times = int.MaxValue)
    {
        _answers.Insert(0, new ScriptedAnswer(prefix, new CommandResult(exitCode, standardOutput, standardError)) { Remaining = times });
        return this;
    }

    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput = null, CancellationToken cancellationToken = default)
    {
        var command = fileName + " " + string.Join(' ', arguments);
        _calls.Add((command, standardInput));
        foreach (var answer in _answers)
        {
            if (answer.Remaining > 0 && command.StartsWith(answer.Prefix, StringComparison.Ordinal))
            {
                answer.Remaining--;
                return Task.FromResult(answer.Result);
            }
        }

        return Task.FromResult(new CommandResult(0, string.Empty, string.Empty));
    }

    private sealed record ScriptedAnswer(string Prefix, CommandResult Result)
    {
        public int Remaining { get; set; }
    }
}

/// <summary>A port probe with a fixed answer per host port.</summary>
internal sealed class FixedPortProbe : IHostPortProbe
{
    private readonly Dictionary<int, HostPortState> _states = [];

    public FixedPortProbe With(int port, HostPortState state)
    {
        _states[port] = state;
        return this;
    }

    public IReadOnlyList<HostPortState> Probe(IReadOnlyList<PortMapping> ports) =>
        [.. ports.Select(p => _states.GetValueOrDefault(p.HostPort, HostPortState.Free))];
}
