using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>`ck registry credential ...` and the push tokens ck hands to a worker: admins and the local socket only (<see cref="CallPolicy"/>).</summary>
internal sealed partial class RegistryAccessControlService(
    RegistryCredentials credentials,
    RegistryTokenIssuer issuer,
    ILogger<RegistryAccessControlService> logger) : RegistryAccessService.RegistryAccessServiceBase
{
    public override async Task<CreateRegistryCredentialResponse> CreateCredential(CreateRegistryCredentialRequest request, ServerCallContext context)
    {
        var caller = CallerAuthorizationInterceptor.CallerOf(context).Describe();
        var (credential, secret) = await credentials.CreateAsync(request.Name, request.Push, caller, context.CancellationToken);
        LogCreated(logger, credential.Id, credential.Push, caller);
        return new CreateRegistryCredentialResponse { Name = credential.Id, Secret = secret, Push = credential.Push };
    }

    public override async Task<ListRegistryCredentialsResponse> ListCredentials(ListRegistryCredentialsRequest request, ServerCallContext context)
    {
        var response = new ListRegistryCredentialsResponse();
        response.Credentials.AddRange((await credentials.ListAsync(context.CancellationToken)).Select(c => new RegistryCredentialInfo
        {
            Name = c.Id,
            Push = c.Push,
            CreatedAtUnixMs = c.CreatedAtUnixMs,
            CreatedBy = c.CreatedBy,
        }));
        return response;
    }

    public override async Task<RevokeRegistryCredentialResponse> RevokeCredential(RevokeRegistryCredentialRequest request, ServerCallContext context)
    {
        if (!await credentials.RevokeAsync(request.Name, context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"there is no registry credential '{request.Name}'; `ck registry credential ls` lists them"));
        }

        LogRevoked(logger, request.Name, CallerAuthorizationInterceptor.CallerOf(context).Describe());
        return new RevokeRegistryCredentialResponse();
    }

    public override Task<IssueRegistryTokenResponse> IssueToken(IssueRegistryTokenRequest request, ServerCallContext context)
    {
        if (!RegistryScope.TryParseAll(request.Scopes, out var scopes, out var error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }

        if (scopes.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a registry token needs at least one scope, e.g. repository:library/busybox:pull,push"));
        }

        var caller = CallerAuthorizationInterceptor.CallerOf(context);
        var issued = issuer.TryIssue(caller.Identity?.NodeId ?? "root", scopes)
            ?? throw new RpcException(new Status(StatusCode.Unavailable, RegistryTokenKeys.UnavailableMessage));
        LogIssued(logger, caller.Describe(), string.Join(' ', scopes));
        return Task.FromResult(new IssueRegistryTokenResponse
        {
            Token = issued.Token,
            ExpiresInSeconds = (long)(issued.Claims.ExpiresAt - issued.Claims.IssuedAt).TotalSeconds,
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry credential {Name} created (push: {Push}) by {Caller}")]
    private static partial void LogCreated(ILogger logger, string name, bool push, string caller);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry credential {Name} revoked by {Caller}")]
    private static partial void LogRevoked(ILogger logger, string name, string caller);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry token issued to {Caller} for {Scopes}")]
    private static partial void LogIssued(ILogger logger, string caller, string scopes);
}
