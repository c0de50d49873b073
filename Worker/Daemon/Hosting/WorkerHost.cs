using ClusterKit.Worker.Api;
using ClusterKit.Worker.Cluster;
using ClusterKit.Worker.Session;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Hosting;

/// <summary>Builds the worker daemon: options, services, and gRPC on the root-only Unix socket.</summary>
public static class WorkerHost
{
    /// <summary>Short command-line switches for the options (ck-worker --data-root /x).</summary>
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--data-root"] = "Worker:DataRoot",
        ["--run-root"] = "Worker:RunRoot",
        ["--socket"] = "Worker:Socket",
        ["--cgroup-parent"] = "Worker:CgroupParent",
        ["--bridge-name"] = "Worker:BridgeName",
        ["--bridge-subnet"] = "Worker:BridgeSubnet",
        ["--nft-table"] = "Worker:NftablesTable",
        ["--manager"] = "Worker:Managers",
        ["--node-id"] = "Worker:NodeId",
    };

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.AddEnvironmentVariables("CK_");
        builder.Configuration.AddCommandLine(args, Switches);
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
            kestrel.ListenUnixSocket(socket, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var app = builder.Build();
        app.MapGrpcService<ContainersApi>();
        app.MapGrpcService<ImagesApi>();
        app.MapWorkerCluster();
        app.Lifetime.ApplicationStarted.Register(() => File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite));
        DataRootPermissions.Tighten(app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value);
        return app;
    }

    /// <summary>
    /// Creates the socket's directory and removes a stale socket; refuses to start beside a live worker.
    /// The process umask (077, set first thing in Main) makes Kestrel bind the socket root-only from the start.
    /// </summary>
    private static void PrepareSocket(string socket)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        if (!File.Exists(socket))
        {
            return;
        }

        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
            throw new WorkerStartupException($"another worker is already listening on {socket}; stop it or give --socket and --data-root of their own");
        }
        catch (System.Net.Sockets.SocketException)
        {
            File.Delete(socket);
        }
    }
}
