namespace ClusterKit.Manager.Scheduling;

/// <summary>One placement constraint such as <c>node.labels.zone==a</c>; a spec's constraints are ANDed.</summary>
public sealed record PlacementConstraint
{
    private PlacementConstraint(NodeAttribute attribute, bool equal, string value)
    {
        Attribute = attribute;
        Equal = equal;
        Value = value;
    }

    public NodeAttribute Attribute { get; }

    /// <summary>True for <c>==</c>, false for <c>!=</c>.</summary>
    public bool Equal { get; }

    public string Value { get; }

    public override string ToString() => Attribute.Text + (Equal ? "==" : "!=") + Value;

    /// <summary>Parses <c>ATTRIBUTE==VALUE</c> or <c>ATTRIBUTE!=VALUE</c>.</summary>
    /// <exception cref="FormatException">The text is not a constraint; the message names it and what is allowed.</exception>
    public static PlacementConstraint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.IndexOf("==", StringComparison.Ordinal);
        var ne = text.IndexOf("!=", StringComparison.Ordinal);
        if (eq < 0 && ne < 0)
        {
            throw new FormatException($"constraint \"{text}\" has no operator; allowed: ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE");
        }

        var equal = ne < 0 || (eq >= 0 && eq < ne);
        var at = equal ? eq : ne;
        var name = text[..at];
        var value = text[(at + 2)..].Trim();
        var attribute = NodeAttribute.TryParse(name)
            ?? throw new FormatException($"constraint \"{text}\" names unknown attribute \"{name.Trim()}\"; allowed: {NodeAttribute.Allowed}");
        if (value.Length == 0 || value.Contains("==", StringComparison.Ordinal) || value.Contains("!=", StringComparison.Ordinal))
        {
            throw new FormatException($"constraint \"{text}\" has an invalid value \"{value}\"; allowed: one non-empty value without == or !=");
        }

        return new PlacementConstraint(attribute, equal, value);
    }

    /// <summary>Whether <paramref name="node"/> meets the constraint; values compare case-insensitively as in Swarm.</summary>
    public bool IsMetBy(NodeInfo node)
    {
        var actual = Attribute.ValueOf(node);
        return string.Equals(actual, Value, StringComparison.OrdinalIgnoreCase) == Equal;
    }
}
