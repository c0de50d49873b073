using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>When a manifest put is acknowledged (ADR 0016, durable acknowledgement).</summary>
public sealed class RegistryDurabilityOptions
{
    /// <summary>
    /// How long a manifest put waits for its blobs to reach enough managers before it answers 503 UNAVAILABLE (the
    /// manifest stays stored and the replicator keeps copying; the client may put it again).
    /// </summary>
    public TimeSpan AcknowledgeTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Refuses a wait that could never succeed or never end.</summary>
public sealed class RegistryDurabilityOptionsValidator : IValidateOptions<RegistryDurabilityOptions>
{
    /// <summary>The longest wait allowed: past it, clients and proxies give up on the request anyway.</summary>
    public static readonly TimeSpan MaxAcknowledgeTimeout = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, RegistryDurabilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AcknowledgeTimeout <= TimeSpan.Zero || options.AcknowledgeTimeout > MaxAcknowledgeTimeout
            ? ValidateOptionsResult.Fail($"registry durability: AcknowledgeTimeout must be positive and at most {MaxAcknowledgeTimeout}, not {options.AcknowledgeTimeout}")
            : ValidateOptionsResult.Success;
    }
}
