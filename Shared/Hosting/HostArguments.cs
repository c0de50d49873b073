namespace ClusterKit.Shared.Hosting;

/// <summary>
/// What ck-manager and ck-worker give ASP.NET Core's host builder. Its default watches the content root (the working
/// directory) for appsettings changes, through a recursive inotify watch: a daemon started in / would watch the
/// whole tree, and one started beside its data directory was woken by every blob it read or wrote (measured: 9 % of
/// a registry download's CPU). Neither reads appsettings files, so nothing is watched, and the content root is the
/// program's own directory.
/// </summary>
public static class HostArguments
{
    /// <summary>Command-line settings the host builder reads before it adds its configuration files.</summary>
    public static string[] Fixed { get; } = ["--hostBuilder:reloadConfigOnChange=false"];

    /// <summary>The content root: the directory of the program's files, never the working directory.</summary>
    public static string ContentRoot => AppContext.BaseDirectory;
}
