namespace ClusterKit.TestKit;

/// <summary>Finds files of the repository from a test's output folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string Script(string name) => Path.Combine(Root, "scripts", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClusterKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ClusterKit.sln not found above " + AppContext.BaseDirectory);
    }
}
