namespace ClusterKit.Worker.Networking;

/// <summary>How a container is networked.</summary>
public enum NetworkMode
{
    /// <summary>A veth on the host bridge, an address from the bridge subnet, NAT and published ports.</summary>
    Bridge,

    /// <summary>The host's own network namespace; nothing to set up.</summary>
    Host,

    /// <summary>Only loopback, which the runtime brings up; nothing to set up.</summary>
    None,
}

public static class NetworkModes
{
    /// <summary>Parses the container spec's network_mode; empty means bridge.</summary>
    public static NetworkMode Parse(string? text) => text switch
    {
        null or "" or "bridge" => NetworkMode.Bridge,
        "host" => NetworkMode.Host,
        "none" => NetworkMode.None,
        _ => throw new NetworkingException($"invalid network mode '{text}': use bridge, host or none"),
    };

    public static string Name(NetworkMode mode) => mode switch
    {
        NetworkMode.Bridge => "bridge",
        NetworkMode.Host => "host",
        _ => "none",
    };
}
