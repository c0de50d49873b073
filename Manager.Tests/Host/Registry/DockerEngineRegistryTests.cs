using System.Text.Json;
using ClusterKit.Manager.Tests.Store.Raft;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// A Docker engine (Debian's docker.io) against the cluster registry served by a real ck-manager, unchanged: it trusts
/// only the cluster CA (no --insecure-registry), logs in with a credential from `ck registry credential create`, pushes,
/// pulls back the same image, and is refused without the right credential.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class DockerEngineRegistryTests : IClassFixture<DockerEngineFixture>
{
    private readonly DockerEngineFixture _cluster;

    public DockerEngineRegistryTests(DockerEngineFixture cluster)
    {
        _cluster = cluster;
    }

    [Fact]
    public async Task Docker_logs_in_with_a_ck_push_credential_pushes_and_pulls_back_the_same_image_trusting_the_cluster_CA()
    {
        var secret = await _cluster.CreateCredentialAsync("docker-ci", push: true);
        var config = _cluster.NewConfigDirectory();
        var remote = $"{_cluster.Registry}/team/busybox:v1";
        var image = await _cluster.ImportBusyboxAsync();
        var local = await InspectAsync(image);
        var id = local.GetProperty("Id").GetString()!;

        await DockerAsync(config, secret, "login", _cluster.Registry, "-u", "docker-ci", "--password-stdin");
        await DockerAsync(config, null, "tag", image, remote);
        var pushed = await DockerAsync(config, null, "push", remote);
        var digest = DigestLine(pushed);

        // Gone from dockerd entirely (both names), so the pull must fetch the layer.
        await DockerAsync(config, null, "image", "rm", remote, image);
        Assert.NotEqual(0, (await _cluster.Dockerd.TryDockerAsync("image", "inspect", id)).ExitCode);
        var pulled = await DockerAsync(config, null, "pull", remote);

        Assert.Contains($"Digest: {digest}", pulled, StringComparison.Ordinal);
        var back = await InspectAsync(remote);
        Assert.Equal(id, back.GetProperty("Id").GetString());
        Assert.Contains($"{_cluster.Registry}/team/busybox@{digest}", back.GetProperty("RepoDigests").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(
            local.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(l => l.GetString()),
            back.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(l => l.GetString()));

        // What the cluster holds: Docker's v2 schema 2 manifest under the tag, its config the image's id.
        var (exit, output) = await _cluster.CkAsync("registry", "inspect", "team/busybox:v1");
        Assert.True(exit == 0, output);
        using var inspected = JsonDocument.Parse(output);
        var details = inspected.RootElement[0];
        Assert.Equal(digest, details.GetProperty("digest").GetString());
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", details.GetProperty("mediaType").GetString());
        Assert.Equal(id, details.GetProperty("config").GetProperty("digest").GetString());
        Assert.Single(details.GetProperty("layers").EnumerateArray());
        Assert.Equal(["v1"], details.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task A_pull_only_credential_logs_in_but_docker_push_is_refused()
    {
        var secret = await _cluster.CreateCredentialAsync("docker-reader", push: false);
        var config = _cluster.NewConfigDirectory();
        var remote = $"{_cluster.Registry}/team/refused:v1";
        var image = await _cluster.ImportBusyboxAsync();
        await DockerAsync(config, secret, "login", _cluster.Registry, "-u", "docker-reader", "--password-stdin");
        await DockerAsync(config, null, "tag", image, remote);

        var push = await _cluster.Dockerd.TryDockerWithConfigAsync(config, null, "push", remote);

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("denied: requested access to the resource is denied", push.Stderr + push.Stdout, StringComparison.Ordinal);
        var (_, listed) = await _cluster.CkAsync("registry", "ls", "--quiet");
        Assert.DoesNotContain("team/refused", listed, StringComparison.Ordinal);
        await DockerAsync(config, null, "image", "rm", remote, image);
    }

    [Fact]
    public async Task Docker_pull_without_login_is_refused_as_unauthorized()
    {
        var config = _cluster.NewConfigDirectory();

        var pull = await _cluster.Dockerd.TryDockerWithConfigAsync(config, null, "pull", $"{_cluster.Registry}/team/busybox:v1");

        Assert.NotEqual(0, pull.ExitCode);
        // dockerd met the 401 challenge, asked the token endpoint without credentials and was told what it needs.
        Assert.Contains("unauthorized: the token endpoint needs Basic credentials", pull.Stderr, StringComparison.Ordinal);
    }

    private async Task<string> DockerAsync(string config, string? input, params string[] arguments)
    {
        var result = await _cluster.Dockerd.TryDockerWithConfigAsync(config, input, arguments);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Stdout}\n{result.Stderr}\n{_cluster.Managers.Describe()}");
        return result.Stdout;
    }

    private async Task<JsonElement> InspectAsync(string reference)
    {
        using var document = JsonDocument.Parse(await _cluster.Dockerd.DockerAsync("image", "inspect", reference));
        return document.RootElement[0].Clone();
    }

    /// <summary>The digest from docker push's last line: "v1: digest: sha256:... size: N".</summary>
    private static string DigestLine(string pushed)
    {
        var line = pushed.Split('\n').Single(l => l.Contains(" digest: ", StringComparison.Ordinal));
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
    }
}
