using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>Asks <see cref="IRegistryAccess"/> and turns a refusal into the spec's error (with the login challenge).</summary>
internal sealed class RegistryAuthorizer(IRegistryAccess access)
{
    public async Task RequireAsync(HttpContext context, RegistryAction action, RepositoryName? repository)
    {
        var decision = await IsAllowedAsync(context, action, repository).ConfigureAwait(false);
        if (decision.IsAllowed)
        {
            return;
        }

        if (decision.Challenge is { } challenge)
        {
            context.Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        }

        throw new RegistryException(decision.Refusal!.Value, decision.Message);
    }

    public ValueTask<RegistryAccessDecision> IsAllowedAsync(HttpContext context, RegistryAction action, RepositoryName? repository) =>
        access.DecideAsync(context, action, repository, context.RequestAborted);
}
