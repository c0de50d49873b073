using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Networking;

/// <summary>Container ids as the network uses them: lowercase hex, at least 8 characters (the veth name is derived from them).</summary>
internal static partial class ContainerIds
{
    public const int ShortLength = 12;

    public static string Short(string containerId) =>
        containerId.Length <= ShortLength ? containerId : containerId[..ShortLength];

    public static void Validate(string containerId)
    {
        if (!HexId().IsMatch(containerId))
        {
            throw new NetworkingException(
                $"invalid container id '{containerId}': expected at least {VethNames.IdHexDigits} lowercase hex digits");
        }
    }

    [GeneratedRegex("^[0-9a-f]{8,}$")]
    private static partial Regex HexId();
}
