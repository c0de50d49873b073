namespace ClusterKit.Worker.Runtime;

/// <summary>Finds ck-init, which the Runtime project's build compiles and copies beside every referencing program.</summary>
internal static class HelperBinary
{
    public const string FileName = "ck-init";

    public static string Locate(string? configured)
    {
        var path = configured ?? Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"container helper {FileName} not found at {path}: build ClusterKit.Worker.Runtime (it compiles Worker/Native with gcc) or set the helper path", path);
    }
}
