using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Networking;

/// <summary>Names of the host ends of container veths: "ckv" + the first 8 hex digits of the container id.</summary>
internal static partial class VethNames
{
    public const string Prefix = "ckv";

    public const int IdHexDigits = 8;

    /// <summary>The name of the veth end inside the container.</summary>
    public const string ContainerInterface = "eth0";

    public static string HostEnd(string containerId)
    {
        ContainerIds.Validate(containerId);
        return Prefix + containerId[..IdHexDigits];
    }

    /// <summary>Whether the interface looks like one of ours (prefix plus 8 hex digits).</summary>
    public static bool IsHostEnd(string interfaceName) => HostEndName().IsMatch(interfaceName);

    [GeneratedRegex("^ckv[0-9a-f]{8}$")]
    private static partial Regex HostEndName();
}
