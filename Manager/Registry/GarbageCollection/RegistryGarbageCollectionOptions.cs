using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.GarbageCollection;

/// <summary>When and how carefully the registry collects unreferenced blobs and abandoned uploads (ADR 0016).</summary>
public sealed class RegistryGarbageCollectionOptions
{
    /// <summary>How often the leader collects (and every manager sweeps its disk and purges idle uploads).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A blob linked, named by a manifest put, or copied less than this ago is kept even when no manifest names it:
    /// a push whose layers are up but whose manifest has not arrived. Also the age a file on disk must reach before a
    /// sweep may delete it.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An upload that received no bytes for this long is deleted (the client went away).</summary>
    public TimeSpan UploadIdleTimeout { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Refuses a grace too short to cover a push in flight, and schedules that would spin.</summary>
public sealed class RegistryGarbageCollectionOptionsValidator : IValidateOptions<RegistryGarbageCollectionOptions>
{
    /// <summary>The shortest grace allowed: well above the time a re-link is left untouched (one minute).</summary>
    public static readonly TimeSpan MinimumGrace = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, RegistryGarbageCollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.Interval < TimeSpan.FromMinutes(1))
        {
            failures.Add($"registry garbage collection: Interval must be at least 1 minute, not {options.Interval}");
        }

        if (options.Grace < MinimumGrace)
        {
            failures.Add($"registry garbage collection: Grace must be at least {MinimumGrace}, not {options.Grace}");
        }

        if (options.UploadIdleTimeout < MinimumGrace)
        {
            failures.Add($"registry garbage collection: UploadIdleTimeout must be at least {MinimumGrace}, not {options.UploadIdleTimeout}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
