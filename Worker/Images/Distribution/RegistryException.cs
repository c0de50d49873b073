using System.Net;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>One entry of the distribution spec's error body: <c>{"errors":[{"code","message"}]}</c>.</summary>
public sealed record RegistryError(string Code, string Message);

/// <summary>
/// A registry refused a request, could not be reached, or sent content that fails its digest.
/// The message is one line naming the registry, the spec's error codes, the repository and the digest.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(string message, HttpStatusCode? statusCode, IReadOnlyList<RegistryError> errors, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Errors = errors;
    }

    public RegistryException()
    {
    }

    public RegistryException(string message) : base(message)
    {
    }

    public RegistryException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The HTTP status, or null when no response came (connection refused, reset, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The errors of the response body; empty when it had none.</summary>
    public IReadOnlyList<RegistryError> Errors { get; } = [];

    /// <summary>True when the registry answered that the repository, blob, manifest or upload does not exist.</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>True when the registry, not the request, is at fault or was not reached, so another attempt may succeed.</summary>
    public bool IsTransient => StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int?)StatusCode >= 500;
}
