namespace ClusterKit.Worker.Api;

/// <summary>The conditions `ck container wait --condition` and run accept.</summary>
internal static class WaitConditions
{
    public static bool IsNextExit(string condition) => condition switch
    {
        "" or "not-running" => false,
        "next-exit" => true,
        _ => throw new ArgumentException($"invalid wait condition '{condition}': use not-running or next-exit"),
    };
}
