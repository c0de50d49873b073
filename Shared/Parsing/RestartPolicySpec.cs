using System.Globalization;

namespace ClusterKit.Shared.Parsing;

public sealed record RestartPolicyValue(string Name, int MaxRetries);

/// <summary>--restart no | on-failure[:N] | always | unless-stopped.</summary>
public static class RestartPolicySpec
{
    public static RestartPolicyValue Parse(string text)
    {
        var parts = text.Trim().Split(':', 2);
        var name = parts[0].ToLowerInvariant();
        switch (name)
        {
            case "" or "no":
            case "always":
            case "unless-stopped":
                if (parts.Length > 1)
                {
                    throw Invalid(text, $"'{name}' takes no retry count");
                }

                return new RestartPolicyValue(name.Length == 0 ? "no" : name, 0);
            case "on-failure":
                var retries = 0;
                if (parts.Length > 1 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out retries) || retries < 0))
                {
                    throw Invalid(text, $"retry count '{parts[1]}' is not a non-negative number");
                }

                return new RestartPolicyValue(name, retries);
            default:
                throw Invalid(text, $"unknown policy '{name}'");
        }
    }

    private static SpecFormatException Invalid(string text, string why) =>
        new($"invalid restart policy '{text}': {why}; use no, on-failure[:N], always or unless-stopped");
}
