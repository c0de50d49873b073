using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using Microsoft.AspNetCore.Http;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>What a request wants to do: read (pull, list), push (upload, tag) or delete.</summary>
public enum RegistryAction
{
    Read,
    Push,
    Delete,
}

/// <summary>
/// The answer to a request: allowed, or refused as UNAUTHORIZED (no or bad credentials; <see cref="Challenge"/>
/// becomes the WWW-Authenticate header, which starts a client's login) or DENIED (known, but not allowed).
/// </summary>
public sealed record RegistryAccessDecision
{
    private RegistryAccessDecision(RegistryErrorCode? refusal, string message, string? challenge)
    {
        Refusal = refusal;
        Message = message;
        Challenge = challenge;
    }

    public static RegistryAccessDecision Allowed { get; } = new(null, string.Empty, null);

    public RegistryErrorCode? Refusal { get; }

    public bool IsAllowed => Refusal is null;

    public string Message { get; }

    public string? Challenge { get; }

    public static RegistryAccessDecision Unauthorized(string message, string challenge) => new(RegistryErrorCode.Unauthorized, message, challenge);

    public static RegistryAccessDecision Denied(string message) => new(RegistryErrorCode.Denied, message, null);
}

/// <summary>
/// The seam where authentication plugs in: mutual TLS with the cluster's certificates (workers read, admins push
/// and delete) and the token flow for standard clients. Every registry request asks it first; there is
/// deliberately no default, so that a host that maps the endpoints has to say who may do what.
/// </summary>
public interface IRegistryAccess
{
    /// <param name="repository">The repository acted on; null for the whole registry (the API check, the catalog).</param>
    ValueTask<RegistryAccessDecision> DecideAsync(HttpContext context, RegistryAction action, RepositoryName? repository, CancellationToken cancellationToken);
}
