namespace ClusterKit.Worker.Host;

/// <summary>Runs host tools (ip, nft, ...) for the parts of the kernel that are driven through them.</summary>
public interface ICommandRunner
{
    Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput = null, CancellationToken cancellationToken = default);
}

public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command line and its stderr unless the command succeeded.</summary>
    public CommandResult EnsureSuccess(string fileName, IReadOnlyList<string> arguments)
    {
        if (!Succeeded)
        {
            throw new CommandFailedException(fileName, arguments, this);
        }

        return this;
    }
}

public sealed class CommandFailedException : Exception
{
    public CommandFailedException(string fileName, IReadOnlyList<string> arguments, CommandResult result)
        : base($"{fileName} {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.StandardError.Trim()}")
    {
        Result = result;
    }

    public CommandFailedException()
    {
        Result = new CommandResult(-1, string.Empty, string.Empty);
    }

    public CommandFailedException(string message) : base(message)
    {
        Result = new CommandResult(-1, string.Empty, string.Empty);
    }

    public CommandFailedException(string message, Exception innerException) : base(message, innerException)
    {
        Result = new CommandResult(-1, string.Empty, string.Empty);
    }

    public CommandResult Result { get; }
}
