namespace ClusterKit.Worker.Networking;

/// <summary>What a host port probe found.</summary>
public enum HostPortState
{
    Free,

    /// <summary>Some process on the host has bound the port; a DNAT rule would silently steal its traffic.</summary>
    InUse,

    /// <summary>The mapping names a host address that is not an address of this host.</summary>
    AddressNotLocal,
}

/// <summary>Checks host ports against other processes of the host before they are published.</summary>
public interface IHostPortProbe
{
    /// <summary>The state of each mapping's host port, in the same order.</summary>
    IReadOnlyList<HostPortState> Probe(IReadOnlyList<PortMapping> ports);
}
