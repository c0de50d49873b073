using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Nodes;

/// <summary>`ck node update` flags into an <see cref="UpdateNodeRequest"/>; each error names the flag, the value and what is allowed (pure).</summary>
internal static class NodeUpdateArguments
{
    public static UpdateNodeRequest Parse(string node, string? availability, IEnumerable<string>? labelAdd, IEnumerable<string>? labelRm)
    {
        if (string.IsNullOrWhiteSpace(node))
        {
            throw new SpecFormatException("node '' is empty; allowed: a node id, a unique id prefix or a hostname");
        }

        var request = new UpdateNodeRequest { Node = node, Availability = ParseAvailability(availability) };
        foreach (var label in labelAdd ?? [])
        {
            var (key, value) = ParseLabel(label);
            if (!request.LabelAdd.TryAdd(key, value) && request.LabelAdd[key] != value)
            {
                throw new SpecFormatException($"--label-add {label}: label '{key}' is given twice with different values ('{request.LabelAdd[key]}' and '{value}'); allowed: one value per key");
            }
        }

        foreach (var key in labelRm ?? [])
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal))
            {
                throw new SpecFormatException($"--label-rm '{key}' is invalid; allowed: a label key alone (no '=value'), e.g. --label-rm zone");
            }

            if (request.LabelAdd.ContainsKey(key))
            {
                throw new SpecFormatException($"--label-rm {key}: the same label is also given to --label-add; allowed: one of them");
            }

            if (!request.LabelRm.Contains(key))
            {
                request.LabelRm.Add(key);
            }
        }

        if (request.Availability == NodeAvailability.Unspecified && request.LabelAdd.Count == 0 && request.LabelRm.Count == 0)
        {
            throw new SpecFormatException("node update changes nothing; allowed: --availability active|pause|drain, --label-add KEY=VALUE, --label-rm KEY");
        }

        return request;
    }

    /// <summary>Unspecified (no change) when <paramref name="text"/> is null.</summary>
    public static NodeAvailability ParseAvailability(string? text) => text switch
    {
        null => NodeAvailability.Unspecified,
        "active" => NodeAvailability.Active,
        "pause" => NodeAvailability.Pause,
        "drain" => NodeAvailability.Drain,
        _ => throw new SpecFormatException($"--availability '{text}' is unknown; allowed: active, pause, drain"),
    };

    /// <summary>KEY=VALUE, or KEY alone for an empty value (as docker node update takes it).</summary>
    public static (string Key, string Value) ParseLabel(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var key = equals < 0 ? text : text[..equals];
        var value = equals < 0 ? string.Empty : text[(equals + 1)..];
        return key.Trim().Length == 0 || key != key.Trim()
            ? throw new SpecFormatException($"--label-add '{text}' has no key; allowed: KEY=VALUE or KEY, e.g. --label-add zone=a")
            : (key, value);
    }
}
