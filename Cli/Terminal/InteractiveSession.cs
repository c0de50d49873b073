using ClusterKit.Proto.Worker.V1;
using Google.Protobuf;
using Grpc.Core;

namespace ClusterKit.Cli.Terminal;

/// <summary>Pumps this terminal's stdin to a container process and its output back (run -it, exec).</summary>
internal static class InteractiveSession
{
    public static async Task<int> AttachAndStartAsync(WorkerConnection worker, string containerId, bool tty, bool stdin, CancellationToken ct)
    {
        using var call = worker.Containers.Attach(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new StdioInput { AttachContainer = containerId }, ct);
        await worker.Containers.StartAsync(new ContainerRef { Id = containerId }, cancellationToken: ct);
        return await PumpAsync(call, tty, stdin, ct);
    }

    public static async Task<int> ExecAsync(WorkerConnection worker, ExecSpec spec, CancellationToken ct)
    {
        using var call = worker.Containers.Exec(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new StdioInput { Exec = spec }, ct);
        return await PumpAsync(call, spec.Tty, spec.Stdin, ct);
    }

    private static async Task<int> PumpAsync(AsyncDuplexStreamingCall<StdioInput, StdioOutput> call, bool tty, bool stdin, CancellationToken ct)
    {
        using var raw = tty && RawTerminal.StdinIsTerminal ? RawTerminal.Enter() : null;
        using var pumpCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (tty)
        {
            var (rows, cols) = RawTerminal.Size();
            await call.RequestStream.WriteAsync(new StdioInput { Resize = new TerminalSize { Rows = rows, Cols = cols } }, ct);
        }

        var input = stdin ? PumpStdinAsync(call.RequestStream, pumpCancel.Token) : call.RequestStream.CompleteAsync();
        var exitCode = 0;
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
                    exitCode = output.ExitCode;
                    break;
            }
        }

        await pumpCancel.CancelAsync();
        try
        {
            await input;
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
            // The call completed while stdin was still being written.
        }

        return exitCode;
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
