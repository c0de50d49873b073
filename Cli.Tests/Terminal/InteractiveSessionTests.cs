using ClusterKit.Cli.Terminal;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Cli.Tests.Terminal;

/// <summary>The client side of `exec` and `run -it` against a worker API served in process on a unix socket.</summary>
public sealed class InteractiveSessionTests : IAsyncLifetime
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"ck-session-test-{Guid.NewGuid():N}.sock");
    private WebApplication? _server;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(_socket, l => l.Protocols = HttpProtocols.Http2));
        _server = builder.Build();
        _server.MapGrpcService<FastExec>();
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        File.Delete(_socket);
    }

    [Fact]
    public async Task A_command_that_ends_before_the_terminal_size_is_sent_still_gives_its_output_and_exit_code()
    {
        using var channel = UnixSocket.Channel(_socket, "http://worker");
        var client = new Containers.ContainersClient(channel);
        using var call = client.Exec();
        await call.RequestStream.WriteAsync(new StdioInput { Exec = new ExecSpec { ContainerId = "box", Cmd = { "tty" }, Tty = true } });

        // The size is asked for only once the worker has ended the call, as happens when the machine is busy:
        // its write then fails with an empty Cancelled status, which used to be printed as "Error:".
        var size = () =>
        {
            Assert.True(SpinWait.SpinUntil(() => HasEnded(call), TimeSpan.FromSeconds(30)), "the fake worker never ended the call");
            return (24u, 80u);
        };
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var exitCode = -1;

        await InteractiveSession.PumpAsync(call, new SessionTerminal(size, null, stdout, stderr), output => exitCode = output.ExitCode, CancellationToken.None);

        Assert.Equal("/dev/pts/0\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(3, exitCode);
    }

    [Fact]
    public async Task A_failure_of_the_call_itself_still_surfaces()
    {
        using var channel = UnixSocket.Channel(_socket, "http://worker");
        var client = new Containers.ContainersClient(channel);
        using var call = client.Exec();
        await call.RequestStream.WriteAsync(new StdioInput { Exec = new ExecSpec { ContainerId = "missing", Cmd = { "tty" } } });
        using var output = new MemoryStream();

        var failure = await Assert.ThrowsAsync<RpcException>(() =>
            InteractiveSession.PumpAsync(call, new SessionTerminal(null, null, output, output), _ => { }, CancellationToken.None));

        Assert.Equal(StatusCode.NotFound, failure.StatusCode);
        Assert.Equal("no such container: missing", failure.Status.Detail);
    }

    private static bool HasEnded(AsyncDuplexStreamingCall<StdioInput, StdioOutput> call)
    {
        try
        {
            call.GetStatus();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A worker whose command prints and ends at once, without reading anything after the spec.</summary>
    private sealed class FastExec : Containers.ContainersBase
    {
        public override async Task Exec(IAsyncStreamReader<StdioInput> requestStream, IServerStreamWriter<StdioOutput> responseStream, ServerCallContext context)
        {
            await requestStream.MoveNext(context.CancellationToken);
            if (requestStream.Current.Exec.ContainerId == "missing")
            {
                throw new RpcException(new Status(StatusCode.NotFound, "no such container: missing"));
            }

            await responseStream.WriteAsync(new StdioOutput { Stdout = ByteString.CopyFromUtf8("/dev/pts/0\n") });
            await responseStream.WriteAsync(new StdioOutput { ExitCode = 3 });
        }
    }
}
