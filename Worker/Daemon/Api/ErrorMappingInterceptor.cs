using ClusterKit.Shared.Parsing;
using ClusterKit.Shared.Remote;
using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Networking;
using ClusterKit.Worker.Runtime;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClusterKit.Worker.Api;

/// <summary>
/// Turns the worker's exceptions into gRPC statuses whose detail is the one-line message the
/// CLI prints; unexpected failures keep their message too, and are logged.
/// </summary>
internal sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context.Method);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context.Method);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context.Method);
        }
    }

    private RpcException Map(Exception error, string method)
    {
        var code = StatusFor(error);
        if (code is StatusCode.Internal or StatusCode.Unknown)
        {
            LogUnexpected(method, error);
        }

        return new RpcException(new Status(code, RemoteText.StatusDetail(error.Message)));
    }

    internal static StatusCode StatusFor(Exception error) => error switch
    {
        ContainerNotFoundException or FileNotFoundException or DirectoryNotFoundException => StatusCode.NotFound,
        ContainerConflictException => StatusCode.FailedPrecondition,
        ImageStoreException image => image.Kind switch
        {
            ImageErrorKind.NotFound => StatusCode.NotFound,
            ImageErrorKind.Conflict or ImageErrorKind.Ambiguous => StatusCode.FailedPrecondition,
            _ => StatusCode.InvalidArgument,
        },
        RegistryException registry => registry.IsNotFound ? StatusCode.NotFound : registry.StatusCode is null ? StatusCode.Unavailable : StatusCode.FailedPrecondition,
        NetworkingException => StatusCode.FailedPrecondition,
        ContainerStartException => StatusCode.FailedPrecondition,
        SpecFormatException or ArgumentException or FormatException => StatusCode.InvalidArgument,
        InvalidOperationException => StatusCode.FailedPrecondition,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed unexpectedly")]
    private partial void LogUnexpected(string method, Exception error);
}
