namespace ClusterKit.Manager.Scheduling;

/// <summary>A port published in host mode: only one task per node may hold it per protocol.</summary>
public readonly record struct HostPort(int Port, PortProtocol Protocol)
{
    internal int Key => Port | ((int)Protocol << 16);

    public override string ToString() => Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + Protocol.ToString().ToLowerInvariant();
}
