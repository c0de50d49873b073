using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Control;

/// <summary>Finds the node an operator named: a full id, a unique id prefix or a unique hostname.</summary>
public static class NodeLookup
{
    /// <summary>The node, or a one-line error saying what matched and what is allowed.</summary>
    public static (Node? Node, string? Error) Find(IReadOnlyList<Node> nodes, string name)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (string.IsNullOrWhiteSpace(name))
        {
            return (null, "node name is empty; allowed: a node id, a unique id prefix or a hostname (see `ck node ls`)");
        }

        var exact = nodes.FirstOrDefault(n => n.Id == name);
        if (exact is not null)
        {
            return (exact, null);
        }

        var byHostname = nodes.Where(n => n.Description?.Hostname == name).ToList();
        if (byHostname.Count == 1)
        {
            return (byHostname[0], null);
        }

        if (byHostname.Count > 1)
        {
            return (null, $"node '{name}' is ambiguous: {byHostname.Count} nodes have that hostname ({string.Join(", ", byHostname.Select(n => n.Id).Order(StringComparer.Ordinal))}); use the node id");
        }

        var byPrefix = nodes.Where(n => n.Id.StartsWith(name, StringComparison.Ordinal)).ToList();
        return byPrefix.Count switch
        {
            1 => (byPrefix[0], null),
            0 => (null, $"node '{name}' not found; allowed: a node id, a unique id prefix or a hostname (see `ck node ls`)"),
            _ => (null, $"node '{name}' is ambiguous: it starts {byPrefix.Count} node ids ({string.Join(", ", byPrefix.Select(n => n.Id).Order(StringComparer.Ordinal))}); give more of the id"),
        };
    }
}
