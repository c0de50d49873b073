namespace ClusterKit.Manager.Scheduling;

/// <summary>An operating system and CPU architecture pair, compared with the usual aliases folded.</summary>
public readonly record struct Platform
{
    public Platform(string os, string architecture)
    {
        Os = Normalize(os);
        Architecture = NormalizeArchitecture(architecture);
    }

    public string Os { get; }

    public string Architecture { get; }

    public override string ToString() => Architecture.Length == 0 ? Os : Os + "/" + Architecture;

    /// <summary>True when this (a task's supported platform) accepts <paramref name="node"/>; empty parts accept anything.</summary>
    public bool Accepts(Platform node) =>
        (Os.Length == 0 || string.Equals(Os, node.Os, StringComparison.Ordinal))
        && (Architecture.Length == 0 || string.Equals(Architecture, node.Architecture, StringComparison.Ordinal));

    private static string Normalize(string? value) => (value ?? string.Empty).Trim().ToLowerInvariant();

    // Engines report uname names (x86_64, aarch64) while images use Go names (amd64, arm64).
    internal static string NormalizeArchitecture(string? value)
    {
        var v = Normalize(value);
        return v switch
        {
            "x86_64" or "x86-64" => "amd64",
            "aarch64" => "arm64",
            "i386" or "i686" => "386",
            "armhf" or "armv7l" => "arm",
            _ => v,
        };
    }
}
