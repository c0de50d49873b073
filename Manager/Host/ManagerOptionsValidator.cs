using System.Text;
using ClusterKit.Manager.Registry.Replication;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Host;

/// <summary>What ck-manager's settings may be; each failure names the flag, the value and what is allowed.</summary>
internal sealed class ManagerOptionsValidator : IValidateOptions<ManagerOptions>
{
    private const string AddressAllowed = "IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4001";

    public ValidateOptionsResult Validate(string? name, ManagerOptions options)
    {
        var failures = new List<string>();
        if (!Path.IsPathFullyQualified(options.DataDirectory))
        {
            failures.Add($"--data-dir '{options.DataDirectory}' is not an absolute path; allowed: an absolute path");
        }

        var raft = CheckAddress(failures, "--raft-address", options.RaftListenAddress);
        var api = CheckAddress(failures, "--api-address", options.ApiListenAddress);
        if (raft is not null && raft.Equals(api))
        {
            failures.Add($"--raft-address and --api-address are both {raft}; allowed: two different addresses");
        }

        CheckMembership(failures, options);
        if (options.SocketPath is { } socket && (!Path.IsPathFullyQualified(socket) || Encoding.UTF8.GetByteCount(socket) > 107))
        {
            failures.Add($"--socket '{socket}' is invalid; allowed: an absolute path of at most 107 bytes");
        }

        CheckTimeouts(failures, options);
        CheckAtLeast(failures, "--snapshot-every", options.SnapshotEvery, 1);
        CheckAtLeast(failures, "--stuck-follower-after-s", options.StuckFollowerAfterSeconds, 0);
        CheckAtLeast(failures, "--batch-max", options.BatchMax, 1);
        CheckAtLeast(failures, "--heartbeat-period-ms", options.HeartbeatPeriodMs, 1);
        CheckRegistry(failures, options);
        if (!Enum.IsDefined(options.LogLevel))
        {
            failures.Add($"--log-level '{options.LogLevel}' is invalid; allowed: {string.Join(", ", Enum.GetNames<LogLevel>())}");
        }

        // The Raft-level rules on the member list (odd count, this manager in it, no repeats).
        if (failures.Count == 0 && !string.IsNullOrWhiteSpace(options.Peers))
        {
            try
            {
                options.ToRaftOptions().Validate();
            }
            catch (ArgumentException e)
            {
                failures.Add($"--peers '{options.Peers}': {e.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static System.Net.IPEndPoint? CheckAddress(List<string> failures, string flag, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            failures.Add($"option {flag} is required; allowed: {AddressAllowed}");
            return null;
        }

        var endPoint = ManagerOptions.ParseEndPoint(text);
        if (endPoint is null)
        {
            failures.Add($"{flag} '{text}' is not an address; allowed: {AddressAllowed}");
        }

        return endPoint;
    }

    private static void CheckMembership(List<string> failures, ManagerOptions options)
    {
        if (options.ColdStart && !string.IsNullOrWhiteSpace(options.Peers))
        {
            failures.Add("--peers and --cold-start were both given; allowed: one of them (--cold-start bootstraps a one-manager cluster)");
        }

        foreach (var peer in ManagerOptions.PeerTexts(options.Peers ?? string.Empty).Where(p => ManagerOptions.ParseEndPoint(p) is null))
        {
            failures.Add($"--peers '{peer}' is not an address; allowed: {AddressAllowed}");
        }

        if (options.IsFixedMembership)
        {
            if (string.IsNullOrWhiteSpace(options.NodeId))
            {
                failures.Add("option --node-id is required with --peers or --cold-start; allowed: letters, digits, '-', '_', '.'");
            }
            else if (options.NodeId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                failures.Add($"--node-id '{options.NodeId}' is invalid; allowed: letters, digits, '-', '_', '.'");
            }
        }
        else if (options.NodeId is not null)
        {
            failures.Add("--node-id was given without --peers or --cold-start; allowed: --node-id only with a fixed member list (otherwise the cluster gives the id at `ck cluster init` or `ck cluster join`)");
        }
    }

    private static void CheckTimeouts(List<string> failures, ManagerOptions options)
    {
        if (ManagerOptions.ParseRange(options.ElectionTimeoutMs) is not var (lower, upper))
        {
            failures.Add($"--election-timeout-ms '{options.ElectionTimeoutMs}' is invalid; allowed: LOWER-UPPER in milliseconds, e.g. 150-300");
            return;
        }

        if (lower < 50 || upper <= lower)
        {
            failures.Add($"--election-timeout-ms '{options.ElectionTimeoutMs}' is invalid; allowed: LOWER at least 50 and UPPER above LOWER, e.g. 150-300");
        }
        else if (options.RequestTimeoutMs < upper)
        {
            failures.Add($"--request-timeout-ms {options.RequestTimeoutMs} is too short; allowed: at least the upper election timeout ({upper} ms)");
        }
    }

    private static void CheckRegistry(List<string> failures, ManagerOptions options)
    {
        if (options.RegistryCopies is < 1)
        {
            failures.Add($"--registry-copies {options.RegistryCopies} is invalid; allowed: a whole number of at least 1 (without the flag: every manager)");
        }

        var longest = (long)RegistryDurabilityOptionsValidator.MaxAcknowledgeTimeout.TotalSeconds;
        if (options.RegistryAckTimeoutSeconds < 1 || options.RegistryAckTimeoutSeconds > longest)
        {
            failures.Add($"--registry-ack-timeout {options.RegistryAckTimeoutSeconds} is invalid; allowed: a whole number of seconds from 1 to {longest}");
        }
    }

    private static void CheckAtLeast(List<string> failures, string flag, long value, long minimum)
    {
        if (value < minimum)
        {
            failures.Add($"{flag} {value} is invalid; allowed: a whole number of at least {minimum}");
        }
    }
}
