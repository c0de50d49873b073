using System.Security.Authentication;
using ClusterKit.Manager.Host;
using ClusterKit.Manager.Host.Logging;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Shared.Hosting;
using ClusterKit.Shared.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

// Before anything is created: the data directory (the raft log, the keys) and the sockets are root-only.
PrivateFiles.RestrictUmask();
ManagerCommandLineResult commandLine;
ManagerOptions options;
try
{
    commandLine = ManagerCommandLine.Parse(args);
    if (commandLine.HelpRequested)
    {
        await Console.Out.WriteAsync(ManagerCommandLine.Help());
        return 0;
    }

    options = ManagerCommandLine.Load(commandLine.Settings);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync("ck-manager: " + e.Message);
    return ManagerExitCodes.BadOptions;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync("ck-manager: " + string.Join("; ", e.Failures));
    return ManagerExitCodes.BadOptions;
}

// A data directory from an older version (0755, 0644) is tightened before it is read.
PrivateFiles.TightenTree(options.DataDirectory, _ => true);
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = HostArguments.Fixed, ContentRootPath = HostArguments.ContentRoot });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(options.LogLevel);
PeerFailureLogging.Install(builder.Services);

// DotNext logs every failed heartbeat to a dead peer; keep it to warnings.
builder.Logging.AddFilter("DotNext", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

// A failed start is reported in one line below; the host's own stack trace would bury it.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);

var tls = new ManagerTlsSlot();
if (options.SocketPath is not null)
{
    LocalSocket.Prepare(options.SocketPath);
}

// Request code continues on the socket thread that completed its read or write: no hand-over to another thread per TLS
// record, about a quarter less CPU on a registry download (ADR 0016). Nothing on these paths blocks a thread.
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = !options.IoOnThreadPool);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    RegistryTransferLimits.Apply(kestrel.Limits);
    kestrel.Listen(options.ApiEndPoint, listen =>
    {
        // gRPC is HTTP/2; registry clients (skopeo, dockerd) speak HTTP/1.1: over TLS, ALPN picks. Without TLS (fixed
        // membership) Kestrel takes HTTP/2 only when it is the only protocol.
        listen.Protocols = options.IsFixedMembership ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
        if (!options.IsFixedMembership)
        {
            // Certificates exist only once the manager has joined; until then every handshake fails.
            listen.Use(TlsRecordCoalescing.Wrap);
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(
                    (tls.Current ?? throw new AuthenticationException(RaftMemberSlot.NotJoinedMessage)).ApiServerOptions()),
            });
            listen.Use(LargeTlsRecords.Wrap);
        }
    });
    if (options.SocketPath is not null)
    {
        kestrel.ListenUnixSocket(options.SocketPath, listen => listen.Protocols = HttpProtocols.Http2);
    }
});
builder.Configuration.AddInMemoryCollection(commandLine.Settings);
builder.Services.AddOptions<ManagerOptions>().Bind(builder.Configuration.GetSection(ManagerOptions.Section)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<ManagerOptions>, ManagerOptionsValidator>();
builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ManagerOptions>>().Value);
builder.Services.AddSingleton(tls);
builder.Services.AddClusterKitManager(options);

// A stop is prompt: worker sessions end when it begins (SessionShutdown), and whatever a client still holds open is cut
// after 5 s instead of the default 30.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

await using var app = builder.Build();
app.MapClusterKitManager();
try
{
    await app.StartAsync();
    if (options.SocketPath is not null)
    {
        UnixSocket.RestrictToOwner(options.SocketPath);
    }

    await app.WaitForShutdownAsync();
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
{
    await Console.Error.WriteLineAsync($"ck-manager: cannot start: {e.Message}");

    // Stopped before it is disposed, the background services that did start end quietly; disposed
    // without a stop, each would log its cancellation as a crash with a stack trace.
    await app.StopAsync();
    return ManagerExitCodes.StartFailed;
}

return Environment.ExitCode;
