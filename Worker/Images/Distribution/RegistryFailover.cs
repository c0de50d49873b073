namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// Runs one operation (a whole push) against a registry's addresses in order. An address that answers 503 (no leader
/// during a failover, or a manifest not yet acknowledged) is tried again after a back-off while the retry budget
/// lasts; one that cannot be reached, breaks the connection or fails with another 5xx gives way to the next address at
/// once, where the operation starts again (a new upload; what is already committed is found by HEAD). A refusal
/// (4xx) ends it, since every address would answer the same. When no address is left, the error names each address
/// tried and what it answered.
/// </summary>
internal sealed class RegistryFailover(TimeProvider time, RegistryRetryOptions options)
{
    public async Task<T> RunAsync<T>(string what, RegistryRoute route, Func<RegistryClient, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var failures = new List<RegistryException>();
        long? firstUnavailable = null;
        foreach (var endpoint in route.Endpoints)
        {
            for (var retry = 1; ; retry++)
            {
                RegistryException failure;
                using (var client = endpoint.Open())
                {
                    try
                    {
                        return await operation(client, cancellationToken);
                    }
                    catch (RegistryException error) when (error.IsTransient)
                    {
                        failure = error;
                    }
                }

                TimeSpan? wait = null;
                if (RegistryRetry.IsUnavailable(failure))
                {
                    firstUnavailable ??= time.GetTimestamp();
                    wait = RegistryRetry.NextWait(options, retry, time.GetElapsedTime(firstUnavailable.Value));
                }

                if (wait is null)
                {
                    failures.Add(failure);
                    break;
                }

                await Task.Delay(wait.Value, time, cancellationToken);
            }
        }

        throw Exhausted(what, route, failures);
    }

    private static RegistryException Exhausted(string what, RegistryRoute route, List<RegistryException> failures)
    {
        if (failures.Count == 0)
        {
            return new RegistryException($"{what} failed: no {route.Noun} is known", null, []);
        }

        var last = failures[^1];
        var tried = string.Join(", ", route.Endpoints.Take(failures.Count).Select(e => e.Name));
        var noun = failures.Count == 1 ? route.Noun : route.Noun + "s";
        return new RegistryException($"{what} failed on {noun} {tried}: {string.Join("; ", failures.Select(f => f.Message))}",
            last.StatusCode, last.Errors, last);
    }
}
