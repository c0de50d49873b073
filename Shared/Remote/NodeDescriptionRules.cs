using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Shared.Remote;

/// <summary>
/// What a node may say about itself (at join and at every session registration) before a
/// manager stores it in Raft and prints it to operators: a hostname of DNS characters within
/// DNS's length, and short printable labels, platform and engine version. Anything else is
/// refused with a message that quotes only a short, escaped prefix of the offending value.
/// </summary>
public static class NodeDescriptionRules
{
    public const int MaxHostnameLength = 253;
    public const int MaxLabelKeyLength = 128;
    public const int MaxLabelValueLength = 256;
    public const int MaxLabels = 64;
    public const int MaxShortFieldLength = 64;

    /// <summary>Null when <paramref name="hostname"/> is acceptable, else why not.</summary>
    public static string? CheckHostname(string hostname)
    {
        ArgumentNullException.ThrowIfNull(hostname);
        if (hostname.Length is 0 or > MaxHostnameLength)
        {
            return $"hostname of {hostname.Length} characters refused; allowed: 1 to {MaxHostnameLength} characters";
        }

        foreach (var label in hostname.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(IsHostnameCharacter))
            {
                return $"hostname '{RemoteText.Quote(hostname)}' refused; allowed: dot-separated labels of 1 to 63 letters, digits, '-' or '_', not starting or ending with '-'";
            }
        }

        return null;
    }

    /// <summary>Null when the whole description is acceptable, else the first reason it is not.</summary>
    public static string? Check(NodeDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (description.Hostname.Length > 0 && CheckHostname(description.Hostname) is { } hostname)
        {
            return hostname;
        }

        if (CheckShort("engine version", description.EngineVersion) is { } engine)
        {
            return engine;
        }

        if (description.Platform is { } platform && (CheckShort("platform os", platform.Os) ?? CheckShort("platform architecture", platform.Architecture)) is { } bad)
        {
            return bad;
        }

        if (description.EngineLabels.Count > MaxLabels)
        {
            return $"{description.EngineLabels.Count} engine labels refused; allowed: at most {MaxLabels}";
        }

        foreach (var (key, value) in description.EngineLabels)
        {
            if (key.Length is 0 or > MaxLabelKeyLength || !RemoteText.IsPrintable(key) || key.Contains('='))
            {
                return $"engine label key '{RemoteText.Quote(key)}' refused; allowed: 1 to {MaxLabelKeyLength} printable characters without '='";
            }

            if (value.Length > MaxLabelValueLength || !RemoteText.IsPrintable(value))
            {
                return $"engine label '{RemoteText.Quote(key)}' value '{RemoteText.Quote(value)}' refused; allowed: up to {MaxLabelValueLength} printable characters";
            }
        }

        return null;
    }

    private static string? CheckShort(string what, string value) =>
        value.Length <= MaxShortFieldLength && RemoteText.IsPrintable(value)
            ? null
            : $"{what} '{RemoteText.Quote(value)}' refused; allowed: up to {MaxShortFieldLength} printable characters";

    private static bool IsHostnameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
