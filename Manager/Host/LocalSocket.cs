using ClusterKit.Shared.Net;

namespace ClusterKit.Manager.Host;

/// <summary>The manager's local control socket: root only, and a stale file from a crash is replaced.</summary>
internal static class LocalSocket
{
    /// <summary>A live manager answers on it: refuse to steal its socket. A dead one left the file behind: it goes.</summary>
    public static void Prepare(string path) => UnixSocket.PrepareToListen(
        path,
        () => new IOException($"socket {path} is in use by another running ck-manager; allowed: one manager per socket (give this one --socket PATH)"));
}
