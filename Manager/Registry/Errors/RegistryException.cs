namespace ClusterKit.Manager.Registry.Errors;

/// <summary>
/// A request the registry refuses, carrying the spec's code, a message for people and an optional detail (a
/// string or any JSON-serialisable value) for clients. The HTTP layer turns it into the spec's error body.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(RegistryErrorCode code, string message, object? detail = null)
        : base(message)
    {
        Code = code;
        Detail = detail;
    }

    public RegistryErrorCode Code { get; }

    public object? Detail { get; }

    public int HttpStatus => Code.HttpStatus();
}
