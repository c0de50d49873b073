namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// <c>spread=ATTRIBUTE</c>: spread the service's tasks evenly over the attribute's values. Several
/// preferences nest: the first splits the nodes, the next splits each part, as in Swarm.
/// Nodes without the attribute form their own group (the empty value).
/// </summary>
public sealed record PlacementPreference
{
    private PlacementPreference(NodeAttribute attribute) => Attribute = attribute;

    public NodeAttribute Attribute { get; }

    public override string ToString() => "spread=" + Attribute.Text;

    /// <exception cref="FormatException">The text is not <c>spread=ATTRIBUTE</c>.</exception>
    public static PlacementPreference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOf('=', StringComparison.Ordinal);
        if (at < 0 || !string.Equals(text[..at].Trim(), "spread", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"placement preference \"{text}\" is invalid; allowed: spread=ATTRIBUTE");
        }

        var name = text[(at + 1)..];
        var attribute = NodeAttribute.TryParse(name)
            ?? throw new FormatException($"placement preference \"{text}\" names unknown attribute \"{name.Trim()}\"; allowed: {NodeAttribute.Allowed}");
        return new PlacementPreference(attribute);
    }
}
