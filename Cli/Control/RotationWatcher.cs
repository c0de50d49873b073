using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Cli.Control;

/// <summary>
/// Follows a CA rotation until it completes, writing a line whenever a node moves to the new root or what the
/// rotation waits for changes. A manager that cannot answer for a moment (an election, a restart) is asked again.
/// </summary>
internal sealed class RotationWatcher(Func<CancellationToken, Task<ClusterInfo>> inspect, TextWriter output, TimeProvider time, TimeSpan lookEvery)
{
    /// <summary>Waits from <paramref name="start"/> until no node is on the retiring root and one root is left; returns the last look.</summary>
    public async Task<ClusterInfo> WaitAsync(ClusterInfo start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var last = start;
        var said = RotationProgressText.Summary(start, time.GetUtcNow());
        if (said is not null)
        {
            await output.WriteLineAsync(said);
        }

        string? trouble = null;
        while (RotationProgressText.IsRotating(last))
        {
            await Task.Delay(lookEvery, time, cancellationToken);
            ClusterInfo now;
            try
            {
                now = await inspect(cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                // gRPC reports an interrupted call as Cancelled: it is the operator's Ctrl+C, not a manager's error.
                throw new OperationCanceledException("stopped waiting for the CA rotation", e, cancellationToken);
            }
            catch (Exception e) when (Passing(e) is { } reason && !cancellationToken.IsCancellationRequested)
            {
                if (reason != trouble)
                {
                    await output.WriteLineAsync($"(the manager cannot answer just now: {reason}; asking again)");
                }

                trouble = reason;
                continue;
            }

            trouble = null;
            foreach (var moved in RotationProgressText.Moved(last, now))
            {
                await output.WriteLineAsync(moved);
            }

            var summary = RotationProgressText.Summary(now, time.GetUtcNow());
            if (summary is not null && summary != said)
            {
                await output.WriteLineAsync(summary);
            }

            said = summary;
            last = now;
        }

        return last;
    }

    /// <summary>Why a look failed, when the next one may well succeed; null for errors that stay.</summary>
    private static string? Passing(Exception error) => error switch
    {
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted } rpc => rpc.Status.Detail,
        ClusterCommandException command => command.Message,
        _ => null,
    };
}
