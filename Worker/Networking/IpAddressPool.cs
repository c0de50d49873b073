using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// IPAM for the bridge subnet: one address per container, never the network, the gateway
/// or the broadcast address. Allocation is next-fit from the last address given out, so a
/// released address is not handed to the next container straight away (stale ARP entries
/// and connections of the old holder would reach the new one).
/// </summary>
internal sealed class IpAddressPool
{
    private readonly Ipv4Subnet _subnet;
    private readonly Dictionary<string, uint> _byContainer = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _byAddress = [];
    private uint _cursor;

    public IpAddressPool(Ipv4Subnet subnet)
    {
        _subnet = subnet;
        _cursor = FirstAssignable;
    }

    /// <summary>How many container addresses the subnet has in all.</summary>
    public int Capacity => (int)(LastAssignable - FirstAssignable + 1);

    public int Count => _byContainer.Count;

    // .0 is the network, .1 the gateway (the bridge), the last one the broadcast address.
    private uint FirstAssignable => _subnet.Network + 2;

    private uint LastAssignable => _subnet.Broadcast - 1;

    public IPAddress? AddressOf(string containerId) =>
        _byContainer.TryGetValue(containerId, out var value) ? Ipv4Subnet.ToAddress(value) : null;

    /// <summary>Gives the container an address; a container that already holds one gets the same one back.</summary>
    public IPAddress Allocate(string containerId)
    {
        if (_byContainer.TryGetValue(containerId, out var held))
        {
            return Ipv4Subnet.ToAddress(held);
        }

        if (_byContainer.Count >= Capacity)
        {
            throw new NetworkingException(
                $"subnet {_subnet} is exhausted: all {Capacity} container addresses are in use; release one or configure a larger subnet");
        }

        var candidate = _cursor;
        while (_byAddress.ContainsKey(candidate))
        {
            candidate = candidate >= LastAssignable ? FirstAssignable : candidate + 1;
        }

        Take(containerId, candidate);
        _cursor = candidate >= LastAssignable ? FirstAssignable : candidate + 1;
        return Ipv4Subnet.ToAddress(candidate);
    }

    /// <summary>Gives the container this exact address (a record the daemon kept across a restart).</summary>
    public void Reserve(string containerId, IPAddress address)
    {
        if (!_subnet.Contains(address))
        {
            throw new NetworkingException($"address {address} of container {containerId} is outside the bridge subnet {_subnet}");
        }

        var value = Ipv4Subnet.ToUInt32(address);
        if (value < FirstAssignable || value > LastAssignable)
        {
            throw new NetworkingException(
                $"address {address} of container {containerId} is the network, gateway or broadcast address of {_subnet}; containers get {Ipv4Subnet.ToAddress(FirstAssignable)} to {Ipv4Subnet.ToAddress(LastAssignable)}");
        }

        if (_byAddress.TryGetValue(value, out var holder))
        {
            if (holder == containerId)
            {
                return;
            }

            throw new NetworkingException($"address {address} is already held by container {holder}; it cannot also go to container {containerId}");
        }

        if (_byContainer.TryGetValue(containerId, out var other))
        {
            throw new NetworkingException(
                $"container {containerId} already holds {Ipv4Subnet.ToAddress(other)}; it cannot also hold {address}");
        }

        Take(containerId, value);
    }

    /// <summary>Frees the container's address; false when it held none.</summary>
    public bool Release(string containerId)
    {
        if (!_byContainer.Remove(containerId, out var value))
        {
            return false;
        }

        _byAddress.Remove(value);
        return true;
    }

    /// <summary>Replaces all allocations with the daemon's records (after a worker restart).</summary>
    public void Restore(IEnumerable<KeyValuePair<string, IPAddress>> allocations)
    {
        _byContainer.Clear();
        _byAddress.Clear();
        _cursor = FirstAssignable;
        foreach (var (containerId, address) in allocations)
        {
            Reserve(containerId, address);
        }

        // Continue after the highest restored address, as if the worker had never stopped.
        if (_byAddress.Count > 0)
        {
            var highest = _byAddress.Keys.Max();
            _cursor = highest >= LastAssignable ? FirstAssignable : highest + 1;
        }
    }

    private void Take(string containerId, uint value)
    {
        _byContainer.Add(containerId, value);
        _byAddress.Add(value, containerId);
    }
}
