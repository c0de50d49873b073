using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// MAC addresses derived from IPv4 addresses as Docker does (02:42 + the four address bytes):
/// locally administered, unique within the subnet, and stable for a given address.
/// </summary>
internal static class MacAddresses
{
    public static string FromIPv4(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != 4)
        {
            throw new NetworkingException($"address '{address}' is not an IPv4 address");
        }

        return $"02:42:{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}:{bytes[3]:x2}";
    }
}
