namespace ClusterKit.Worker.Session;

/// <summary>
/// The managers a worker knows and which one it tries next: round robin from the one that
/// failed, so a dead manager is not tried twice in a row while others exist.
/// </summary>
internal sealed class ManagerList
{
    private readonly Lock _gate = new();
    private List<string> _addresses;
    private int _current = -1;

    public ManagerList(IEnumerable<string> addresses)
    {
        _addresses = Distinct(addresses);
        if (_addresses.Count == 0)
        {
            throw new ArgumentException("a worker needs at least one manager address", nameof(addresses));
        }
    }

    public IReadOnlyList<string> Addresses
    {
        get
        {
            lock (_gate)
            {
                return [.. _addresses];
            }
        }
    }

    /// <summary>The manager after the current one.</summary>
    public string Next()
    {
        lock (_gate)
        {
            _current = (_current + 1) % _addresses.Count;
            return _addresses[_current];
        }
    }

    /// <summary>Makes an address (a redirect's leader) the current one, adding it when unknown.</summary>
    public void MoveTo(string address)
    {
        lock (_gate)
        {
            var index = IndexOf(_addresses, address);
            if (index < 0)
            {
                _addresses.Add(address);
                index = _addresses.Count - 1;
            }

            _current = index;
        }
    }

    /// <summary>Takes the managers' own list (it is authoritative); an empty list changes nothing.</summary>
    /// <returns>True when the list changed.</returns>
    public bool Replace(IEnumerable<string> addresses)
    {
        var next = Distinct(addresses);
        lock (_gate)
        {
            if (next.Count == 0 || next.SequenceEqual(_addresses, StringComparer.OrdinalIgnoreCase))
            {
                return false;
            }

            var current = _current >= 0 && _current < _addresses.Count ? _addresses[_current] : null;
            _addresses = next;
            _current = current is null ? -1 : IndexOf(next, current);
            return true;
        }
    }

    private static int IndexOf(List<string> list, string address) => list.FindIndex(a => string.Equals(a, address, StringComparison.OrdinalIgnoreCase));

    private static List<string> Distinct(IEnumerable<string> addresses)
        => [.. addresses.Where(a => !string.IsNullOrWhiteSpace(a)).Distinct(StringComparer.OrdinalIgnoreCase)];
}
