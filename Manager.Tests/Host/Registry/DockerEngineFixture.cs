using System.Security.Cryptography;
using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// One real ck-manager cluster and one private dockerd for a test class. Both run in one lab host (a network namespace
/// with address 10.77.0.11), the manager's API on a random port: dockerd treats every 127.0.0.0/8 registry as insecure
/// (no certificate check, its CA ignored), so the registry must be elsewhere for the test to hold dockerd to the cluster
/// CA, which it reads from /etc/docker/certs.d/10.77.0.11:PORT/ca.crt (<see cref="DockerRegistryTrust"/>). Each test
/// imports busybox into dockerd under a name of its own. Everything is removed in every outcome.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _work = new("ckt-docker-engine");
    private LabNetwork? _lab;
    private SecureManagers? _managers;
    private DockerRegistryTrust? _trust;
    private PrivateDockerd? _dockerd;

    public InitResponse Init { get; private set; } = new();

    public SecureManagers Managers => _managers ?? throw new InvalidOperationException("the cluster is not formed");

    public PrivateDockerd Dockerd => _dockerd ?? throw new InvalidOperationException("dockerd is not started");

    /// <summary>HOST:PORT of the manager's API, where the cluster registry is served.</summary>
    public string Registry => Managers[0].Api.ToString();

    /// <summary>The manager's local socket, for `ck --manager-socket`.</summary>
    public string Socket => Managers[0].SocketPath;

    private string RootfsTar => _work.Combine("rootfs.tar");

    public async Task InitializeAsync()
    {
        try
        {
            _lab = await LabNetwork.CreateAsync(1);
            _managers = SecureManagers.OnLab(_lab.Hosts, apiPort: RandomNumberGenerator.GetInt32(20_000, 60_000));
            Init = await _managers.FormAsync();
            _trust = DockerRegistryTrust.Create(Registry, Init.RootCertificatesPem);
            _dockerd = await PrivateDockerd.StartAsync(_lab.Hosts[0].Namespace);
            var rootfs = BusyboxRootfs.Create(_work.Combine("rootfs"));
            await HostProcess.RunCheckedAsync("tar", ["-C", rootfs, "-cf", RootfsTar, "."], TimeSpan.FromSeconds(30));
        }
        catch (Exception e)
        {
            var managers = _managers?.Describe() ?? "";
            await DisposeAsync();
            throw new InvalidOperationException($"{e.Message}\n{managers}", e);
        }
    }

    /// <summary>busybox imported into dockerd with `docker import` under a new unique name, which it returns.</summary>
    public async Task<string> ImportBusyboxAsync()
    {
        var name = $"ckt-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-busybox:1";
        await Dockerd.DockerAsync("import", "--change", "CMD [\"sh\"]", RootfsTar, name);
        return name;
    }

    /// <summary>A new, empty docker CLI configuration directory (credentials of one `docker login`).</summary>
    public string NewConfigDirectory()
    {
        var path = _work.Combine("config-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "config.json"), "{\"auths\": {}}\n");
        return path;
    }

    /// <summary>`ck registry credential create NAME [--push]` against the manager; returns the secret ck printed once.</summary>
    public async Task<string> CreateCredentialAsync(string name, bool push)
    {
        string[] arguments = ["registry", "credential", "create", name, .. push ? (string[])["--push"] : [], "--manager-socket", Socket];
        var (exit, output) = await CkProcess.RunAsync(PrivateDockerd.DockerTimeout, arguments);
        Assert.True(exit == 0, $"`ck {string.Join(' ', arguments)}` exited {exit}:\n{output}");
        return output.Split('\n').Select(l => l.Trim()).Single(l => l.Length == 43);
    }

    /// <summary>`ck ARGUMENTS --manager-socket SOCKET`: the exit code and what it printed.</summary>
    public Task<(int ExitCode, string Output)> CkAsync(params string[] arguments)
        => CkProcess.RunAsync(PrivateDockerd.DockerTimeout, [.. arguments, "--manager-socket", Socket]);

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _work.Dispose();

    /// <summary>Stops dockerd (its images go with its directory), removes the trust directory, the cluster and the lab.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            if (_dockerd is not null)
            {
                await _dockerd.DisposeAsync();
                _dockerd = null;
            }
        }
        finally
        {
            try
            {
                _trust?.Dispose();
                _trust = null;
            }
            finally
            {
                try
                {
                    if (_managers is not null)
                    {
                        await _managers.DisposeAsync();
                        _managers = null;
                    }
                }
                finally
                {
                    try
                    {
                        if (_lab is not null)
                        {
                            await _lab.DisposeAsync();
                            _lab = null;
                        }
                    }
                    finally
                    {
                        _work.Dispose();
                    }
                }
            }
        }
    }
}
