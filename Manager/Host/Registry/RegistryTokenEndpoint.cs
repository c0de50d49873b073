using System.Globalization;
using System.Text.Json;
using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Registry.Errors;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>
/// The token endpoint of the token spec (<c>GET /v2/token</c>): a client that was challenged sends Basic credentials
/// from `ck registry credential create` and the scopes it needs, and gets a short-lived signed token narrowed to
/// what the credential allows (pull; pull, push and delete with <c>--push</c>). <c>service</c>, <c>account</c>,
/// <c>client_id</c> and <c>offline_token</c> are accepted and change nothing (no refresh tokens are issued).
/// Attempts with credentials that fail (wrong, unknown or malformed) are limited per client address
/// (<see cref="LoginThrottle"/>): a held-back client gets 429 <c>TOOMANYREQUESTS</c> with <c>Retry-After</c> before
/// its credential is even checked.
/// </summary>
internal sealed partial class RegistryTokenEndpoint(RegistryCredentials credentials, RegistryTokenIssuer issuer, LoginThrottle throttle, ILogger<RegistryTokenEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.CacheControl = "no-store";
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var authorization = context.Request.Headers[HeaderNames.Authorization].ToString();

        // A request without credentials (a client's first, anonymous try) is no login: it is refused below at no cost.
        if (authorization.Length > 0 && !throttle.TryBegin(client, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            LogThrottled(logger, client, seconds);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, RegistryErrorCode.TooManyRequests,
                $"too many failed logins from {client}; try again in {seconds} s");
            return;
        }

        if (!BasicCredentials.TryParse(authorization, out var presented, out var error))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, RegistryErrorCode.Unauthorized, error);
            return;
        }

        if (!RegistryScope.TryParseAll(context.Request.Query["scope"], out var requested, out error))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, RegistryErrorCode.Unsupported, error);
            return;
        }

        var credential = await credentials.CheckAsync(presented, context.RequestAborted);
        if (credential is null)
        {
            LogLoginRefused(logger, presented.User);
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, RegistryErrorCode.Unauthorized, $"user '{presented.User}' and this secret are not a registry credential of this cluster (or it was revoked)");
            return;
        }

        // A right credential is not a failure, whatever follows (a locked manager's 503).
        throttle.Succeeded(client);
        var granted = RegistryScope.Narrow(requested, action => action == RegistryScope.Pull || credential.Push);
        if (issuer.TryIssue(credential.Id, granted) is not { } issued)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, RegistryErrorCode.Unauthorized, RegistryTokenKeys.UnavailableMessage);
            return;
        }

        LogIssued(logger, credential.Id, string.Join(' ', granted));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("token", issued.Token);
            json.WriteString("access_token", issued.Token);
            json.WriteNumber("expires_in", (long)issued.Claims.ExpiresAt.Subtract(issued.Claims.IssuedAt).TotalSeconds);
            json.WriteString("issued_at", issued.Claims.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    private static async Task RefuseAsync(HttpContext context, int status, RegistryErrorCode code, string message)
    {
        var body = RegistryErrorBody.Write(code, message);
        context.Response.StatusCode = status;
        context.Response.ContentType = RegistryErrorBody.ContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry token issued to {User} for {Scopes}")]
    private static partial void LogIssued(ILogger logger, string user, string scopes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry logins from {Client} held back for {Seconds} s after too many failures")]
    private static partial void LogThrottled(ILogger logger, string client, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry login refused for user {User}")]
    private static partial void LogLoginRefused(ILogger logger, string user);
}
