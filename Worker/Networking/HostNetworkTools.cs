using System.Text.Json;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking;

/// <summary>The host tools (ip, nsenter, nft, sysctl) the bridge network drives, each call one process.</summary>
internal sealed class HostNetworkTools
{
    private readonly ICommandRunner _runner;

    public HostNetworkTools(ICommandRunner runner)
    {
        _runner = runner;
    }

    public Task RunIpBatchAsync(string script, CancellationToken cancellationToken) =>
        RunAsync("ip", ["-batch", "-"], script, cancellationToken);

    /// <summary>Runs an ip script inside another network namespace (a container's).</summary>
    public Task RunIpBatchInAsync(string networkNamespacePath, string script, CancellationToken cancellationToken) =>
        RunAsync("nsenter", ["--net=" + networkNamespacePath, "ip", "-batch", "-"], script, cancellationToken);

    public Task ApplyNftAsync(string ruleset, CancellationToken cancellationToken) =>
        RunAsync("nft", ["-f", "-"], ruleset, cancellationToken);

    public Task SetSysctlsAsync(IEnumerable<string> assignments, CancellationToken cancellationToken) =>
        RunAsync("sysctl", ["-q", "-w", .. assignments], null, cancellationToken);

    /// <summary>The kind of a link ("bridge", "veth", "" for a plain device), or null when there is no such link.</summary>
    public async Task<string?> GetLinkKindAsync(string name, CancellationToken cancellationToken)
    {
        string[] arguments = ["-d", "-j", "link", "show", "dev", name];
        var result = await _runner.RunAsync("ip", arguments, null, cancellationToken);
        if (!result.Succeeded)
        {
            return IsMissingDevice(result) ? null : throw new CommandFailedException("ip", arguments, result);
        }

        if (string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            return null;
        }

        using var json = JsonDocument.Parse(result.StandardOutput);
        foreach (var link in json.RootElement.EnumerateArray())
        {
            return link.TryGetProperty("linkinfo", out var info) && info.TryGetProperty("info_kind", out var kind)
                ? kind.GetString() ?? string.Empty
                : string.Empty;
        }

        return null;
    }

    /// <summary>Names of the links enslaved to the bridge; empty when the bridge does not exist.</summary>
    public async Task<IReadOnlyList<string>> ListBridgePortsAsync(string bridge, CancellationToken cancellationToken)
    {
        string[] arguments = ["-j", "link", "show", "master", bridge];
        var result = await _runner.RunAsync("ip", arguments, null, cancellationToken);
        if (!result.Succeeded)
        {
            return IsMissingDevice(result) ? [] : throw new CommandFailedException("ip", arguments, result);
        }

        if (string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            return [];
        }

        using var json = JsonDocument.Parse(result.StandardOutput);
        return [.. json.RootElement.EnumerateArray().Select(link => link.GetProperty("ifname").GetString() ?? string.Empty)];
    }

    /// <summary>Deletes a link; false when it did not exist.</summary>
    public async Task<bool> DeleteLinkAsync(string name, CancellationToken cancellationToken)
    {
        string[] arguments = ["link", "del", "dev", name];
        var result = await _runner.RunAsync("ip", arguments, null, cancellationToken);
        if (result.Succeeded)
        {
            return true;
        }

        return IsMissingDevice(result) ? false : throw new CommandFailedException("ip", arguments, result);
    }

    private static bool IsMissingDevice(CommandResult result) =>
        result.StandardError.Contains("does not exist", StringComparison.Ordinal)
        || result.StandardError.Contains("Cannot find device", StringComparison.Ordinal);

    private async Task RunAsync(string fileName, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var result = await _runner.RunAsync(fileName, arguments, input, cancellationToken);
        result.EnsureSuccess(fileName, arguments);
    }
}
