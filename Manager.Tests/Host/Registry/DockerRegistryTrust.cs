namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// dockerd's trust for one registry: /etc/docker/certs.d/HOST:PORT/ca.crt holding the cluster's roots (dockerd reads that
/// directory per registry and has no flag to move it). Only that one directory is created, and /etc/docker/certs.d only
/// if it was missing; dispose removes exactly what was created and nothing else there.
/// </summary>
internal sealed class DockerRegistryTrust : IDisposable
{
    public const string CertsRoot = "/etc/docker/certs.d";

    private readonly bool _createdRoot;

    private DockerRegistryTrust(string directory, bool createdRoot)
    {
        Directory = directory;
        _createdRoot = createdRoot;
    }

    /// <summary>/etc/docker/certs.d/HOST:PORT.</summary>
    public string Directory { get; }

    /// <summary>Creates the directory for <paramref name="registry"/> (HOST:PORT, which must not have one yet) with ca.crt.</summary>
    public static DockerRegistryTrust Create(string registry, IEnumerable<string> rootCertificatesPem)
    {
        var createdRoot = !System.IO.Directory.Exists(CertsRoot);
        System.IO.Directory.CreateDirectory(CertsRoot);
        var directory = Path.Combine(CertsRoot, registry);
        if (System.IO.Directory.Exists(directory))
        {
            // Someone else's trust for that address: leave it alone.
            RemoveRootIfCreated(createdRoot);
            throw new InvalidOperationException($"{directory} already exists; a test needs an address of its own");
        }

        System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var trust = new DockerRegistryTrust(directory, createdRoot);
        try
        {
            File.WriteAllText(Path.Combine(directory, "ca.crt"), string.Join('\n', rootCertificatesPem));
            return trust;
        }
        catch
        {
            trust.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        File.Delete(Path.Combine(Directory, "ca.crt"));
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory);
        }

        RemoveRootIfCreated(_createdRoot);
    }

    private static void RemoveRootIfCreated(bool created)
    {
        if (created && System.IO.Directory.Exists(CertsRoot) && !System.IO.Directory.EnumerateFileSystemEntries(CertsRoot).Any())
        {
            System.IO.Directory.Delete(CertsRoot);
        }
    }
}
