using System.CommandLine;
using ClusterKit.Cli;
using ClusterKit.Cli.Control;
using ClusterKit.Shared.Parsing;
using Grpc.Core;

var root = CliRoot.Build();

try
{
    var parse = root.Parse(DockerStyleArguments.Normalise(root, args));
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (SpecFormatException error)
{
    await Console.Error.WriteLineAsync($"Error: {error.Message}");
    return 2;
}
catch (ClusterCommandException error)
{
    await Console.Error.WriteLineAsync($"Error: {error.Message}");
    return 1;
}
catch (RpcException error) when (FindUnreachable(error) is { } unreachable)
{
    await Console.Error.WriteLineAsync($"Error: {unreachable.Message}");
    return 1;
}
catch (RpcException error)
{
    await Console.Error.WriteLineAsync($"Error: {error.Status.Detail}");
    return 1;
}
catch (WorkerUnreachableException error)
{
    await Console.Error.WriteLineAsync($"Error: {error.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    return 130;
}

static WorkerUnreachableException? FindUnreachable(Exception? error)
{
    for (; error is not null; error = error.InnerException)
    {
        if (error is WorkerUnreachableException unreachable)
        {
            return unreachable;
        }
    }

    return null;
}
