using ClusterKit.Manager.Dispatcher;
using ClusterKit.Manager.Host;
using Microsoft.AspNetCore.Server.Kestrel.Core;

ManagerOptions options;
try
{
    options = ManagerOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync("ck-manager: " + e.Message);
    await Console.Error.WriteLineAsync(ManagerOptions.Usage);
    return ManagerExitCodes.BadOptions;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(options.LogLevel);

// DotNext logs every failed heartbeat to a dead peer; keep it to warnings.
builder.Logging.AddFilter("DotNext", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.Listen(options.ApiEndPoint, listen => listen.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
builder.Services.AddSingleton(options);
builder.Services.AddSingleton<ManagerNodeService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ManagerNodeService>());
builder.Services.AddClusterKitDispatcher(
    new DispatcherOptions { HeartbeatPeriod = options.HeartbeatPeriod },
    sp => new RaftDispatcherCluster(() => sp.GetRequiredService<ManagerNodeService>().Node));

await using var app = builder.Build();
app.MapGrpcService<StoreGrpcService>();
app.MapClusterKitDispatcher();
try
{
    await app.RunAsync();
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
{
    await Console.Error.WriteLineAsync($"ck-manager {options.NodeId}: cannot start: {e.Message}");
    return ManagerExitCodes.StartFailed;
}

return Environment.ExitCode;
