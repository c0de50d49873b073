namespace ClusterKit.Cli.Control;

/// <summary>A cluster or node command that cannot go on, with a one-line reason for the operator (exit code 1).</summary>
internal sealed class ClusterCommandException : Exception
{
    public ClusterCommandException(string message) : base(message)
    {
    }

    public ClusterCommandException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ClusterCommandException()
    {
    }
}
