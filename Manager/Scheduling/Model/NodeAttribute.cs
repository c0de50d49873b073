namespace ClusterKit.Manager.Scheduling;

/// <summary>A node attribute that constraints and placement preferences can name.</summary>
public sealed record NodeAttribute
{
    internal const string Allowed = "node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.KEY, engine.labels.KEY";

    private NodeAttribute(NodeAttributeKind kind, string labelKey, string text)
    {
        Kind = kind;
        LabelKey = labelKey;
        Text = text;
    }

    public NodeAttributeKind Kind { get; }

    /// <summary>The label name for node.labels.KEY and engine.labels.KEY; empty otherwise.</summary>
    public string LabelKey { get; }

    /// <summary>The attribute as written, e.g. node.labels.zone.</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>Parses an attribute name; returns null when it is not one of <see cref="Allowed"/>.</summary>
    public static NodeAttribute? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var lower = t.ToLowerInvariant();
        switch (lower)
        {
            case "node.id": return new(NodeAttributeKind.Id, string.Empty, lower);
            case "node.hostname": return new(NodeAttributeKind.Hostname, string.Empty, lower);
            case "node.role": return new(NodeAttributeKind.Role, string.Empty, lower);
            case "node.platform.os": return new(NodeAttributeKind.PlatformOs, string.Empty, lower);
            case "node.platform.arch": return new(NodeAttributeKind.PlatformArch, string.Empty, lower);
        }

        // Label names keep their case: the store keeps them as the operator typed them.
        const string nodeLabels = "node.labels.";
        const string engineLabels = "engine.labels.";
        if (lower.StartsWith(nodeLabels, StringComparison.Ordinal) && t.Length > nodeLabels.Length)
        {
            var key = t[nodeLabels.Length..];
            return new(NodeAttributeKind.NodeLabel, key, nodeLabels + key);
        }

        if (lower.StartsWith(engineLabels, StringComparison.Ordinal) && t.Length > engineLabels.Length)
        {
            var key = t[engineLabels.Length..];
            return new(NodeAttributeKind.EngineLabel, key, engineLabels + key);
        }

        return null;
    }

    /// <summary>The node's value for this attribute; empty when a label is missing.</summary>
    public string ValueOf(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var d = node.Description;
        return Kind switch
        {
            NodeAttributeKind.Id => d.Id,
            NodeAttributeKind.Hostname => d.Hostname,
            NodeAttributeKind.Role => d.Role == NodeRole.Manager ? "manager" : "worker",
            NodeAttributeKind.PlatformOs => d.Platform.Os,
            NodeAttributeKind.PlatformArch => d.Platform.Architecture,
            NodeAttributeKind.NodeLabel => d.Labels.TryGetValue(LabelKey, out var v) ? v : string.Empty,
            NodeAttributeKind.EngineLabel => d.EngineLabels.TryGetValue(LabelKey, out var e) ? e : string.Empty,
            _ => string.Empty,
        };
    }
}

public enum NodeAttributeKind
{
    Id,
    Hostname,
    Role,
    PlatformOs,
    PlatformArch,
    NodeLabel,
    EngineLabel,
}
