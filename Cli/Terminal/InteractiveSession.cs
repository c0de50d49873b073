using ClusterKit.Proto.Worker.V1;
using Google.Protobuf;
using Grpc.Core;

namespace ClusterKit.Cli.Terminal;

/// <summary>Pumps this terminal's stdin to a container process and its output back (run -it, exec).</summary>
internal static class InteractiveSession
{
    /// <summary>Attaches, then starts the container; returns how it ended.</summary>
    public static async Task<WaitContainerResponse> AttachAndStartAsync(WorkerConnection worker, string containerId, bool tty, bool stdin, CancellationToken ct)
    {
        using var call = worker.Containers.Attach(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new StdioInput { AttachContainer = containerId }, ct);

        // The worker confirms the attach before the container may start, so no early output is lost.
        if (!await call.ResponseStream.MoveNext(ct) || call.ResponseStream.Current.KindCase != StdioOutput.KindOneofCase.StartedId)
        {
            throw new InvalidOperationException($"the worker did not confirm the attach to container {containerId}");
        }

        await worker.Containers.StartAsync(new ContainerRef { Id = containerId }, cancellationToken: ct);
        var exit = new WaitContainerResponse();
        await PumpAsync(call, tty, stdin, output => exit = output.Exit, ct);
        return exit;
    }

    public static async Task<int> ExecAsync(WorkerConnection worker, ExecSpec spec, CancellationToken ct)
    {
        using var call = worker.Containers.Exec(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new StdioInput { Exec = spec }, ct);
        var exitCode = 0;
        await PumpAsync(call, spec.Tty, spec.Stdin, output => exitCode = output.ExitCode, ct);
        return exitCode;
    }

    private static async Task PumpAsync(AsyncDuplexStreamingCall<StdioInput, StdioOutput> call, bool tty, bool stdin, Action<StdioOutput> onExit, CancellationToken ct)
    {
        using var raw = tty && RawTerminal.StdinIsTerminal ? RawTerminal.Enter() : null;
        using var pumpCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (tty)
        {
            var (rows, cols) = RawTerminal.Size();
            await call.RequestStream.WriteAsync(new StdioInput { Resize = new TerminalSize { Rows = rows, Cols = cols } }, ct);
        }

        var input = stdin ? PumpStdinAsync(call.RequestStream, pumpCancel.Token) : call.RequestStream.CompleteAsync();
        using var stdout = Console.OpenStandardOutput();
        using var stderr = Console.OpenStandardError();
        await foreach (var output in call.ResponseStream.ReadAllAsync(ct))
        {
            switch (output.KindCase)
            {
                case StdioOutput.KindOneofCase.Stdout:
                    await stdout.WriteAsync(output.Stdout.Memory, ct);
                    await stdout.FlushAsync(ct);
                    break;
                case StdioOutput.KindOneofCase.Stderr:
                    await stderr.WriteAsync(output.Stderr.Memory, ct);
                    await stderr.FlushAsync(ct);
                    break;
                case StdioOutput.KindOneofCase.ExitCode:
                case StdioOutput.KindOneofCase.Exit:
                    onExit(output);
                    break;
            }
        }

        // A read from a terminal cannot be cancelled: once the process has ended, stop waiting for stdin.
        await pumpCancel.CancelAsync();
        await Task.WhenAny(input, Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None));
        if (input.IsFaulted && input.Exception.InnerException is not (OperationCanceledException or InvalidOperationException or RpcException))
        {
            await input;
        }
    }

    private static async Task PumpStdinAsync(IClientStreamWriter<StdioInput> requests, CancellationToken ct)
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[4096];
        while (!ct.IsCancellationRequested)
        {
            var read = await stdin.ReadAsync(buffer, ct);
            if (read == 0)
            {
                await requests.WriteAsync(new StdioInput { CloseStdin = true }, ct);
                break;
            }

            await requests.WriteAsync(new StdioInput { Stdin = ByteString.CopyFrom(buffer, 0, read) }, ct);
        }

        await requests.CompleteAsync();
    }
}
