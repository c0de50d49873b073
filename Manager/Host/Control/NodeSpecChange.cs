using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Control;

/// <summary>What `ck node update` asks for, checked and applied to a node's spec (pure).</summary>
public static class NodeSpecChange
{
    public const int MaxLabelKeyLength = 128;

    /// <summary>The changed node, or a one-line error naming the flag, the value and what is allowed.</summary>
    public static (Node? Node, string? Error) Apply(Node node, UpdateNodeRequest request)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Availability != NodeAvailability.Unspecified && !Enum.IsDefined(request.Availability))
        {
            return (null, $"--availability {(int)request.Availability} is unknown; allowed: active, pause, drain");
        }

        foreach (var key in request.LabelAdd.Keys.Concat(request.LabelRm))
        {
            var error = CheckLabelKey(key);
            if (error is not null)
            {
                return (null, error);
            }
        }

        var both = request.LabelRm.Where(request.LabelAdd.ContainsKey).ToList();
        if (both.Count > 0)
        {
            return (null, $"label '{both[0]}' is both added (--label-add) and removed (--label-rm); allowed: one of them");
        }

        var missing = request.LabelRm.Where(k => node.Spec?.Labels.ContainsKey(k) != true).ToList();
        if (missing.Count > 0)
        {
            return (null, $"--label-rm {missing[0]}: node {node.Id} has no such label; its labels: {Describe(node.Spec?.Labels)}");
        }

        var changed = node.Clone();
        changed.Spec ??= new NodeSpec { DesiredRole = node.Role, Availability = NodeAvailability.Active };
        if (request.Availability != NodeAvailability.Unspecified)
        {
            changed.Spec.Availability = request.Availability;
        }

        foreach (var (key, value) in request.LabelAdd)
        {
            changed.Spec.Labels[key] = value;
        }

        foreach (var key in request.LabelRm)
        {
            changed.Spec.Labels.Remove(key);
        }

        return (changed, null);
    }

    private static string? CheckLabelKey(string key)
    {
        var valid = key.Length is > 0 and <= MaxLabelKeyLength
            && char.IsAsciiLetterOrDigit(key[0])
            && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/');
        return valid
            ? null
            : $"label key '{key}' is invalid; allowed: 1 to {MaxLabelKeyLength} characters of a-z, A-Z, 0-9, '.', '_', '-' and '/', starting with a letter or digit";
    }

    private static string Describe(Google.Protobuf.Collections.MapField<string, string>? labels)
        => labels is null || labels.Count == 0 ? "none" : string.Join(", ", labels.Keys.Order(StringComparer.Ordinal));
}
