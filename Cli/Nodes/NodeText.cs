using System.Globalization;
using System.Text;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Parsing;
using ClusterKit.Shared.Remote;

namespace ClusterKit.Cli.Nodes;

/// <summary>`ck node inspect --format pretty`: the facts an operator reads first, one per line (pure).</summary>
internal static class NodeText
{
    public static string Format(NodeDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var node = details.Node ?? new Node();
        var text = new StringBuilder();
        Line(text, "ID", node.Id);
        Line(text, "Hostname", node.Description?.Hostname);
        Line(text, "Role", NodeNames.Role(node.Role));
        if (node.Spec is { } spec && spec.DesiredRole != NodeRole.Unspecified && spec.DesiredRole != node.Role)
        {
            Line(text, "Desired role", NodeNames.Role(spec.DesiredRole));
        }

        Line(text, "Availability", NodeNames.Availability(node.Spec?.Availability ?? NodeAvailability.Unspecified));
        Line(text, "Status", NodeNames.State(node.Status?.State ?? NodeState.Unspecified));
        Line(text, "Status message", node.Status?.Message);
        Line(text, "Address", node.Status?.Address);
        if (node.Role == NodeRole.Manager)
        {
            Line(text, "Manager status", NodeNames.ManagerStatus(details));
            Line(text, "Raft address", node.RaftAddress);
            Line(text, "API address", node.ApiAddress);
        }

        Labels(text, "Labels", node.Spec?.Labels);
        if (node.Description is { } description)
        {
            Line(text, "Platform", description.Platform is { } p ? $"{p.Os}/{p.Architecture}" : null);
            if (description.Resources is { } r)
            {
                Line(text, "CPUs", r.NanoCpus > 0 ? (r.NanoCpus / 1e9).ToString("0.##", CultureInfo.InvariantCulture) : null);
                Line(text, "Memory", r.MemoryBytes > 0 ? MemorySize.Format(r.MemoryBytes) : null);
            }

            Line(text, "Engine version", description.EngineVersion);
            Labels(text, "Engine labels", description.EngineLabels);
        }

        Line(text, "Version", node.Version.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static void Line(StringBuilder text, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            text.Append(key).Append(": ").Append(RemoteText.Escape(value)).Append('\n');
        }
    }

    private static void Labels(StringBuilder text, string key, IDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            return;
        }

        text.Append(key).Append(":\n");
        foreach (var (name, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append("  - ").Append(RemoteText.Escape(name)).Append('=').Append(RemoteText.Escape(value)).Append('\n');
        }
    }
}
