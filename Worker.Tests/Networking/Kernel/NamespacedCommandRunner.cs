using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>Runs every host tool inside the test's own "host" network namespace.</summary>
internal sealed class NamespacedCommandRunner : ICommandRunner
{
    private readonly string _namespaceName;
    private readonly ICommandRunner _inner;
    private readonly List<string> _commands = [];

    public NamespacedCommandRunner(string namespaceName, ICommandRunner inner)
    {
        _namespaceName = namespaceName;
        _inner = inner;
    }

    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_commands)
            {
                return [.. _commands];
            }
        }
    }

    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput = null, CancellationToken cancellationToken = default)
    {
        lock (_commands)
        {
            _commands.Add(fileName + " " + string.Join(' ', arguments));
        }

        return _inner.RunAsync("ip", ["netns", "exec", _namespaceName, fileName, .. arguments], standardInput, cancellationToken);
    }
}
