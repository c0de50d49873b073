namespace ClusterKit.TestKit;

/// <summary>A uniquely named directory under /tmp, removed on dispose (mounts below it are detached first).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "ckt")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Something is still mounted below; the owning test reports its own failure.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
