using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>Transport protocols a port can be published for.</summary>
public enum TransportProtocol
{
    Tcp,
    Udp,
    Sctp,
}

/// <summary>
/// One published port: traffic to <see cref="HostPort"/> on <see cref="HostAddress"/> (any local
/// address when null) goes to <see cref="ContainerPort"/> of the container.
/// </summary>
public sealed record PortMapping(IPAddress? HostAddress, int HostPort, int ContainerPort, TransportProtocol Protocol)
{
    public string ProtocolName => Protocol switch
    {
        TransportProtocol.Tcp => "tcp",
        TransportProtocol.Udp => "udp",
        _ => "sctp",
    };

    /// <summary>Whether the two can not both be published: same protocol and port on an overlapping address.</summary>
    public bool ClashesWith(PortMapping other) =>
        Protocol == other.Protocol
        && HostPort == other.HostPort
        && (HostAddress is null || other.HostAddress is null || HostAddress.Equals(other.HostAddress));

    public override string ToString() =>
        (HostAddress is null ? string.Empty : HostAddress + ":") + $"{HostPort}->{ContainerPort}/{ProtocolName}";
}
