using ClusterKit.Shared.Hosting;
using ClusterKit.Shared.Net;
using ClusterKit.Worker.Api;
using ClusterKit.Worker.Cluster;
using ClusterKit.Worker.Session;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Hosting;

/// <summary>Builds the worker daemon: options, services, and gRPC on the root-only Unix socket.</summary>
public static class WorkerHost
{
    /// <summary>Builds the daemon from the settings <see cref="WorkerCommandLine"/> parsed (they win over CK_ environment variables).</summary>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = HostArguments.Fixed, ContentRootPath = HostArguments.ContentRoot });
        builder.Configuration.AddEnvironmentVariables("CK_");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        builder.Services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration.GetSection(WorkerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        builder.Services.AddClusterKitWorker();
        builder.Services.AddWorkerCluster();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{WorkerOptions.Section}:Managers"]))
        {
            builder.Services.AddManagerSession();
        }

        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorMappingInterceptor>();
            o.MaxReceiveMessageSize = 64 << 20;
        });

        var socket = builder.Configuration[$"{WorkerOptions.Section}:Socket"] ?? new WorkerOptions().Socket;
        PrepareSocket(socket);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // One limit, gRPC's per-message one (64 MiB, a clear ResourceExhausted): Kestrel's 30 MB body
            // limit would otherwise fail larger requests first as "Exception was thrown by handler".
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.ListenUnixSocket(socket, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var app = builder.Build();
        app.MapGrpcService<ContainersApi>();
        app.MapGrpcService<ImagesApi>();
        app.MapWorkerCluster();
        app.Lifetime.ApplicationStarted.Register(() => UnixSocket.RestrictToOwner(socket));
        DataRootPermissions.Tighten(app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value);
        return app;
    }

    /// <summary>`ck-worker cleanup`: the same options as the daemon, to find what it made.</summary>
    public static async Task CleanupAsync(IReadOnlyDictionary<string, string?> settings, bool purge, TextWriter report, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables("CK_").AddInMemoryCollection(settings).Build();
        var options = new WorkerOptions();
        configuration.GetSection(WorkerOptions.Section).Bind(options);
        var failures = new WorkerOptionsValidator().Validate(null, options);
        if (failures.Failed)
        {
            throw new OptionsValidationException(WorkerOptions.Section, typeof(WorkerOptions), failures.Failures);
        }

        var cgroups = Cgroups.CgroupManager.Detect(new Cgroups.CgroupOptions { ParentName = options.CgroupParent });
        using var network = Networking.BridgeNetwork.ForHost(new Networking.BridgeNetworkOptions { BridgeName = options.BridgeName, Subnet = options.BridgeSubnet, TableName = options.NftablesTable });
        await new WorkerCleanup(options, cgroups, network, Host.LinuxSystemCalls.Instance, report).RunAsync(purge, cancellationToken);
    }

    /// <summary>
    /// Creates the socket's directory and removes a stale socket; refuses to start beside a live worker.
    /// The process umask (077, set first thing in Main) makes Kestrel bind the socket root-only from the start.
    /// </summary>
    private static void PrepareSocket(string socket) => UnixSocket.PrepareToListen(
        socket,
        () => new WorkerStartupException($"another worker is already listening on {socket}; stop it or give --socket and --data-root of their own"));
}
