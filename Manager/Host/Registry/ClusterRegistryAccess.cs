using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Names;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>
/// Who may do what in the cluster registry (ADR 0016). A cluster certificate decides as on the control API: admins
/// read, push and delete; workers and managers read. Without one, a bearer token from the token endpoint (or from
/// `ck`) decides by its scopes; with neither, the answer is the Bearer challenge that starts a client's login.
/// </summary>
internal sealed partial class ClusterRegistryAccess(
    ManagerOptions options,
    RaftMemberSlot member,
    RegistryTokenKeys keys,
    TimeProvider time,
    ILogger<ClusterRegistryAccess> logger) : IRegistryAccess
{
    private const string BearerScheme = "Bearer ";

    public ValueTask<RegistryAccessDecision> DecideAsync(HttpContext context, RegistryAction action, RepositoryName? repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var decision = Decide(context, action, repository);
        if (!decision.IsAllowed)
        {
            LogRefused(logger, context.Request.Method, context.Request.Path, decision.Message);
        }

        return ValueTask.FromResult(decision);
    }

    private RegistryAccessDecision Decide(HttpContext context, RegistryAction action, RepositoryName? repository)
    {
        if (options.IsFixedMembership)
        {
            // No certificates in this mode (benchmarks, development): every caller is trusted, as on the control API.
            return RegistryAccessDecision.Allowed;
        }

        var caller = HttpCaller.Identify(context);
        if (caller.Identity is { } identity)
        {
            if (member.IsRemoved(identity.NodeId))
            {
                return RegistryAccessDecision.Denied($"node {identity.NodeId} was removed from the cluster; its certificate is no longer accepted");
            }

            if (caller.Kind == CallerKind.Admin || action == RegistryAction.Read)
            {
                return RegistryAccessDecision.Allowed;
            }

            // A worker pushing on ck's behalf shows the push token ck got with its admin credential.
            if (!HasBearer(context))
            {
                return RegistryAccessDecision.Denied($"{caller.Describe()} may only pull; {RegistryScope.ActionName(action)} needs an admin certificate or a token with that scope (`ck registry credential create NAME --push`)");
            }
        }

        if (caller.Kind == CallerKind.LocalSocket)
        {
            return RegistryAccessDecision.Allowed;
        }

        var scope = repository is null ? null : new RegistryScope(repository, ChallengeActions(action));
        var authority = context.Request.Host.HasValue ? context.Request.Host.Value : options.ApiAddress;
        var authorization = context.Request.Headers[HeaderNames.Authorization].ToString();
        if (!HasBearer(context))
        {
            return RegistryAccessDecision.Unauthorized(
                "authentication required: present a cluster certificate, or log in with a credential from `ck registry credential create`",
                RegistryChallenge.Bearer(authority!, scope));
        }

        if (keys.Current is not { } signer)
        {
            return RegistryAccessDecision.Unauthorized(RegistryTokenKeys.UnavailableMessage, RegistryChallenge.Bearer(authority!, scope, "invalid_token"));
        }

        if (!signer.TryVerify(authorization[BearerScheme.Length..].Trim(), time.GetUtcNow(), out var token, out var error))
        {
            return RegistryAccessDecision.Unauthorized(error, RegistryChallenge.Bearer(authority!, scope, "invalid_token"));
        }

        return token.Allows(action, repository)
            ? RegistryAccessDecision.Allowed
            : RegistryAccessDecision.Unauthorized(
                $"the token of {token.Subject} does not allow {RegistryScope.ActionName(action)} on {repository}",
                RegistryChallenge.Bearer(authority!, scope, "insufficient_scope"));
    }

    private static bool HasBearer(HttpContext context) =>
        context.Request.Headers[HeaderNames.Authorization].ToString().StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>The scope a client should ask for: a push needs pull too (clients check blobs before they upload them).</summary>
    private static HashSet<string> ChallengeActions(RegistryAction action) => action switch
    {
        RegistryAction.Push => [RegistryScope.Pull, RegistryScope.Push],
        _ => [RegistryScope.ActionName(action)],
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Registry refused {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string reason);
}
