using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Net;
using Grpc.Net.Client;

namespace ClusterKit.Cli;

/// <summary>The gRPC channel to the local worker's root-only Unix socket.</summary>
internal sealed class WorkerConnection : IDisposable
{
    public const string DefaultSocket = "/run/clusterkit/worker.sock";

    private readonly GrpcChannel _channel;

    public WorkerConnection(string socketPath)
    {
        SocketPath = socketPath;
        _channel = UnixSocket.Channel(socketPath, "http://worker", error => new WorkerUnreachableException(socketPath, error), maxReceiveMessageSize: 64 << 20);
        Containers = new Containers.ContainersClient(_channel);
        Images = new Images.ImagesClient(_channel);
        Cluster = new Cluster.ClusterClient(_channel);
    }

    public string SocketPath { get; }

    public Containers.ContainersClient Containers { get; }

    public Images.ImagesClient Images { get; }

    /// <summary>The worker's cluster membership (`ck cluster join` with a worker token).</summary>
    public Cluster.ClusterClient Cluster { get; }

    public static string ResolveSocket(string? option) =>
        option ?? Environment.GetEnvironmentVariable("CK_WORKER_SOCKET") ?? DefaultSocket;

    public void Dispose() => _channel.Dispose();
}

internal sealed class WorkerUnreachableException : Exception
{
    public WorkerUnreachableException(string socketPath, Exception inner)
        : base($"cannot reach the worker at {socketPath} ({ManagerConnection.Reason(socketPath, inner)}); start it with 'ck worker run' or set --worker-socket", inner)
    {
    }

    public WorkerUnreachableException()
    {
    }

    public WorkerUnreachableException(string message) : base(message)
    {
    }

}
