using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ClusterKit.Worker.Networking;

/// <summary>An IPv4 network in CIDR form; addresses are handled as host-order integers.</summary>
public sealed record Ipv4Subnet
{
    private Ipv4Subnet(uint network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    /// <summary>The network address as a host-order integer.</summary>
    public uint Network { get; }

    public int PrefixLength { get; }

    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    /// <summary>The first usable address, which the bridge takes (".1").</summary>
    public IPAddress Gateway => ToAddress(Network + 1);

    public static Ipv4Subnet Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(text[..slash], out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix > 32)
        {
            throw new NetworkingException($"invalid subnet '{text}': expected an IPv4 network in CIDR form such as 10.88.0.0/16");
        }

        var value = ToUInt32(address);
        var subnet = new Ipv4Subnet(value & (prefix == 0 ? 0 : uint.MaxValue << (32 - prefix)), prefix);
        if (subnet.Network != value)
        {
            throw new NetworkingException($"invalid subnet '{text}': host bits are set; the network is {subnet}");
        }

        return subnet;
    }

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && (ToUInt32(address) & Mask) == Network;

    public override string ToString() => $"{ToAddress(Network)}/{PrefixLength}";

    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
        {
            throw new NetworkingException($"address '{address}' is not an IPv4 address");
        }

        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
