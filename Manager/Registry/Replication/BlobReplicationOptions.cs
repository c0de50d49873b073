using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>How the managers copy blob bytes between them (ADR 0016, replication of bytes).</summary>
public sealed class BlobReplicationOptions
{
    /// <summary>How many managers should hold each blob; null (the default) for every manager.</summary>
    public int? Copies { get; set; }

    /// <summary>How often the replicator looks for blobs to copy when no new location wakes it first.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before the first retry of a blob whose copy failed; it doubles per failure.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries of one blob.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Refuses options that would never copy, spin, or never retry.</summary>
public sealed class BlobReplicationOptionsValidator : IValidateOptions<BlobReplicationOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobReplicationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.Copies is < 1)
        {
            failures.Add($"registry replication: Copies must be at least 1 (or unset for every manager), not {options.Copies}");
        }

        if (options.Interval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"registry replication: Interval must be at least 1 s, not {options.Interval}");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"registry replication: RetryBaseDelay must be positive and at most RetryMaxDelay ({options.RetryBaseDelay}, {options.RetryMaxDelay})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
