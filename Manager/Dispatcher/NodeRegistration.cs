using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>How a registration or a health decision changes a node object (pure).</summary>
internal static class NodeRegistration
{
    /// <summary>
    /// The node after its worker registered: the description it reported, READY, the address
    /// the session came from. What an operator set (availability, labels, role) is kept.
    /// </summary>
    public static Node Registered(Node? existing, string nodeId, NodeDescription description, string address)
    {
        var node = existing?.Clone() ?? new Node
        {
            Id = nodeId,
            Role = NodeRole.Worker,
            Spec = new NodeSpec { DesiredRole = NodeRole.Worker, Availability = NodeAvailability.Active },
        };
        node.Description = description.Clone();
        node.Status = new NodeStatus { State = NodeState.Ready, Address = address };
        return node;
    }

    /// <summary>The node with a new state and message; the session address is kept.</summary>
    public static Node WithState(Node node, NodeState state, string message)
    {
        var changed = node.Clone();
        changed.Status = new NodeStatus { State = state, Message = message, Address = node.Status?.Address ?? string.Empty };
        return changed;
    }

    public static NodeState StateOf(Node? node) => node?.Status?.State ?? NodeState.Unspecified;

    /// <summary>The host part of a gRPC peer ("ipv4:10.0.0.5:50122" -> "10.0.0.5", "ipv6:[::1]:5000" -> "::1").</summary>
    public static string PeerHost(string? peer)
    {
        if (string.IsNullOrEmpty(peer))
        {
            return string.Empty;
        }

        if (peer.StartsWith("ipv4:", StringComparison.Ordinal))
        {
            var hostAndPort = peer["ipv4:".Length..];
            var colon = hostAndPort.LastIndexOf(':');
            return colon > 0 ? hostAndPort[..colon] : hostAndPort;
        }

        if (peer.StartsWith("ipv6:[", StringComparison.Ordinal))
        {
            var close = peer.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? peer["ipv6:[".Length..close] : peer;
        }

        // Another transport (a Unix socket): the peer string says it best.
        return peer;
    }
}
