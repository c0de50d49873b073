namespace ClusterKit.Shared.Parsing;

public sealed record BindVolume(string Source, string Target, bool ReadOnly);

/// <summary>-v HOST:CONTAINER[:ro|rw]; both paths absolute.</summary>
public static class VolumeSpec
{
    public static BindVolume Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3)
        {
            throw Invalid(text, "expected HOST:CONTAINER[:ro|rw]");
        }

        var readOnly = false;
        if (parts.Length == 3)
        {
            readOnly = parts[2] switch
            {
                "ro" => true,
                "rw" => false,
                _ => throw Invalid(text, $"mode '{parts[2]}' is not ro or rw"),
            };
        }

        if (!parts[0].StartsWith('/') || !parts[1].StartsWith('/'))
        {
            throw Invalid(text, "both paths must be absolute");
        }

        if (parts[1].Split('/').Contains(".."))
        {
            throw Invalid(text, "the container path must not contain '..'");
        }

        return new BindVolume(parts[0], parts[1], readOnly);
    }

    private static SpecFormatException Invalid(string text, string why) =>
        new($"invalid volume '{text}': {why}");
}
