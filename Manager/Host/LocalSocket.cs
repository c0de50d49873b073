using System.Net.Sockets;

namespace ClusterKit.Manager.Host;

/// <summary>The manager's local control socket: root only, and a stale file from a crash is replaced.</summary>
internal static class LocalSocket
{
    public static void Prepare(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        if (!File.Exists(path))
        {
            return;
        }

        // A live manager answers on it: refuse to steal its socket. A dead one left the file behind.
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new IOException($"socket {path} is in use by another running ck-manager; allowed: one manager per socket (give this one --socket PATH)");
    }

    public static void RestrictToRoot(string path) => File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
}
