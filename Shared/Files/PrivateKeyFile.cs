using System.Globalization;
using System.Text;

namespace ClusterKit.Shared.Files;

/// <summary>Reads a file that holds a private key: only when no one but its owner can read or write it.</summary>
public static class PrivateKeyFile
{
    /// <summary>The file's text; <see cref="InvalidDataException"/> naming <paramref name="what"/> and the path when its mode is wider than 0600.</summary>
    public static string ReadText(string path, string what)
    {
        EnsurePrivate(path, what);
        return File.ReadAllText(path, Encoding.ASCII);
    }

    /// <summary>The file's bytes, under the same mode check as <see cref="ReadText"/>.</summary>
    public static byte[] ReadBytes(string path, string what)
    {
        EnsurePrivate(path, what);
        return File.ReadAllBytes(path);
    }

    private static void EnsurePrivate(string path, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ClusterKit's key files need Unix file modes");
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & ~AtomicFile.PrivateMode) != 0)
        {
            var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{what} {path} has mode {octal}; allowed: 0600 (chmod 600 {path})"));
        }
    }
}
