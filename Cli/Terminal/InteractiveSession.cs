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
        using var stdout = Console.OpenStandardOutput();
        using var stderr = Console.OpenStandardError();
        var terminal = new SessionTerminal(tty ? RawTerminal.Size : null, stdin ? Console.OpenStandardInput : null, stdout, stderr);
        await PumpAsync(call, terminal, onExit, ct);
    }

    /// <summary>
    /// Sends the input and prints the output until the worker ends the call. How the call went is what its responses
    /// say: a process that ends fast ends the call before the terminal size or the end of input is sent, and those
    /// writes then fail (as Cancelled with no message), which is no error of the command.
    /// </summary>
    internal static async Task PumpAsync(AsyncDuplexStreamingCall<StdioInput, StdioOutput> call, SessionTerminal terminal, Action<StdioOutput> onExit, CancellationToken ct)
    {
        using var inputCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);

        // On its own task: a read from a terminal can hold its thread until a key is pressed.
        var input = Task.Run(() => SendInputAsync(call.RequestStream, terminal, inputCancel.Token), CancellationToken.None);
        await foreach (var output in call.ResponseStream.ReadAllAsync(ct))
        {
            switch (output.KindCase)
            {
                case StdioOutput.KindOneofCase.Stdout:
                    await terminal.Stdout.WriteAsync(output.Stdout.Memory, ct);
                    await terminal.Stdout.FlushAsync(ct);
                    break;
                case StdioOutput.KindOneofCase.Stderr:
                    await terminal.Stderr.WriteAsync(output.Stderr.Memory, ct);
                    await terminal.Stderr.FlushAsync(ct);
                    break;
                case StdioOutput.KindOneofCase.ExitCode:
                case StdioOutput.KindOneofCase.Exit:
                    onExit(output);
                    break;
            }
        }

        // A read from a terminal cannot be cancelled: once the process has ended, stop waiting for stdin.
        await inputCancel.CancelAsync();
        await Task.WhenAny(input, Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None));
        if (input.IsFaulted && input.Exception.InnerException is not (OperationCanceledException or InvalidOperationException or RpcException))
        {
            await input;
        }
    }

    /// <summary>The terminal size first (with a tty), then stdin until it ends, or at once the end of input.</summary>
    private static async Task SendInputAsync(IClientStreamWriter<StdioInput> requests, SessionTerminal terminal, CancellationToken ct)
    {
        if (terminal.Size is { } size)
        {
            var (rows, cols) = size();
            await requests.WriteAsync(new StdioInput { Resize = new TerminalSize { Rows = rows, Cols = cols } }, ct);
        }

        if (terminal.OpenStdin is { } open)
        {
            await PumpStdinAsync(requests, open, ct);
        }
        else
        {
            await requests.CompleteAsync();
        }
    }

    private static async Task PumpStdinAsync(IClientStreamWriter<StdioInput> requests, Func<Stream> open, CancellationToken ct)
    {
        using var stdin = open();
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

/// <summary>The local side of a session: the terminal size to send (null without a tty), stdin to forward (null: none), where output goes.</summary>
internal sealed record SessionTerminal(Func<(uint Rows, uint Cols)>? Size, Func<Stream>? OpenStdin, Stream Stdout, Stream Stderr);
