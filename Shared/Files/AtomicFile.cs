using System.Security.Cryptography;
using System.Text;

namespace ClusterKit.Shared.Files;

/// <summary>
/// Replaces a file so that readers, and a crash, see the old content or the new, never half: a private temp file
/// (mode 0600) beside it is written and fsynced, renamed over the file, and the directory is fsynced so that the
/// rename itself survives a power loss.
/// </summary>
public static class AtomicFile
{
    /// <summary>Read and write for the owner only.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temp = TempPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, CreateOptions()))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (ASCII text stays byte for byte the same).</summary>
    public static void WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, Encoding.UTF8.GetBytes(text));
    }

    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = TempPathFor(path);
        try
        {
            var options = CreateOptions();
            options.Options = FileOptions.Asynchronous;
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string TempPathFor(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return $"{path}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    private static FileStreamOptions CreateOptions()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ClusterKit's files need Unix file modes");
        }

        return new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = PrivateMode };
    }

    private static void Commit(string temp, string path)
    {
        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
