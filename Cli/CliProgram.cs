using System.CommandLine;
using System.CommandLine.Help;
using ClusterKit.Cli.Control;
using ClusterKit.Shared.Parsing;
using Grpc.Core;

namespace ClusterKit.Cli;

/// <summary>Runs one ck command line: parse errors in one line and a usage line, failures as "Error: ..." with an exit code.</summary>
internal static class CliProgram
{
    /// <summary>A command line ck cannot parse (the convention of shells and getopt).</summary>
    public const int UsageError = 2;

    /// <summary>Stopped by Ctrl+C: what a shell reports for SIGINT, quietly.</summary>
    public const int Interrupted = 130;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = CliRoot.Build();
        var interrupted = false;
        ConsoleCancelEventHandler onInterrupt = (_, _) => interrupted = true;
        Console.CancelKeyPress += onInterrupt;
        try
        {
            var parse = root.Parse(DockerStyleArguments.Normalise(root, args));
            if (parse.Errors.Count > 0 && parse.Action is not (HelpAction or Commands.WorkerCommands.DaemonHelpAction))
            {
                await error.WriteLineAsync("Error: " + UsageErrors.Describe(parse));
                return UsageError;
            }

            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error });
        }
        catch (SpecFormatException failure)
        {
            await error.WriteLineAsync($"Error: {failure.Message}");
            return UsageError;
        }
        catch (ClusterCommandException failure)
        {
            await error.WriteLineAsync($"Error: {failure.Message}");
            return 1;
        }
        catch (Exception failure) when (IsInterrupt(failure, interrupted))
        {
            return Interrupted;
        }
        catch (RpcException failure) when (FindUnreachable(failure) is { } unreachable)
        {
            await error.WriteLineAsync($"Error: {unreachable.Message}");
            return 1;
        }
        catch (RpcException failure)
        {
            await error.WriteLineAsync($"Error: {failure.Status.Detail}");
            return 1;
        }
        catch (WorkerUnreachableException failure)
        {
            await error.WriteLineAsync($"Error: {failure.Message}");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onInterrupt;
        }
    }

    /// <summary>
    /// Ctrl+C cancels the command's token: a call in flight (`logs -f`) then ends as Cancelled, anything else as
    /// OperationCanceledException. A Cancelled status without Ctrl+C came from the other side and is an error.
    /// </summary>
    internal static bool IsInterrupt(Exception failure, bool interrupted)
        => failure is OperationCanceledException || (interrupted && failure is RpcException { StatusCode: StatusCode.Cancelled });

    private static WorkerUnreachableException? FindUnreachable(Exception? failure)
    {
        for (; failure is not null; failure = failure.InnerException)
        {
            if (failure is WorkerUnreachableException unreachable)
            {
                return unreachable;
            }
        }

        return null;
    }
}
