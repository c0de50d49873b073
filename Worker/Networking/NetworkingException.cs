namespace ClusterKit.Worker.Networking;

/// <summary>
/// A networking request cannot be honoured (bad option, exhausted subnet, port clash, failed
/// host tool); the message names the thing, the value and what is allowed.
/// </summary>
public sealed class NetworkingException : Exception
{
    public NetworkingException(string message) : base(message)
    {
    }

    public NetworkingException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public NetworkingException()
    {
    }
}
