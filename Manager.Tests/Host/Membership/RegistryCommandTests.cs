using System.Text;
using System.Text.Json;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Manager.Tests.Registry;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// `ck registry ls`, `inspect` and `rm` as an operator types them (the built ck, its own process) against a real
/// ck-manager, with images written into its store's registry tables as a push records them.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class RegistryCommandTests
{
    private static readonly TimeSpan CkWait = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Ck_lists_inspects_and_removes_what_the_cluster_registry_holds()
    {
        await using var managers = SecureManagers.Create(1);
        try
        {
            await managers.FormAsync();
            var socket = managers[0].SocketPath;
            var config = Encoding.UTF8.GetBytes("{\"ckt\":\"registry-command\"}");
            var layer = new byte[2048];
            var manifest = TestManifests.Bytes(TestManifests.Image(config, layer));
            var digest = Digest.Of(manifest).ToString();

            // The manifest's bytes are a blob on the manager's disk, as a push leaves them; its rows hold its metadata.
            var blobs = new FileBlobStore(Path.Combine(managers[0].DataDirectory, "registry"));
            await blobs.ImportAsync(Digest.Of(manifest), new MemoryStream(manifest), manifest.Length, CancellationToken.None);
            await SecureClusterTests.WaitForAsync(
                () => managers[0].LocalStore.ProposeAsync(new ProposeRequest { Transaction = Pushed("team/app", manifest, [config, layer], "1", "latest") }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync,
                _ => true,
                managers);

            var ls = await CkAsync(managers, "registry", "ls", "--manager-socket", socket);
            Assert.Matches(@"team/app\s+2\s+1\s+2\.\d+KiB", ls);
            var json = JsonDocument.Parse(await CkAsync(managers, "registry", "ls", "--format", "json", "--manager-socket", socket));
            Assert.Equal("team/app", json.RootElement[0].GetProperty("name").GetString());

            var inspected = JsonDocument.Parse(await CkAsync(managers, "registry", "inspect", "team/app:1", "--manager-socket", socket)).RootElement[0];
            Assert.Equal(digest, inspected.GetProperty("digest").GetString());
            Assert.Equal(MediaTypes.OciManifest, inspected.GetProperty("mediaType").GetString());
            Assert.Equal("2048", inspected.GetProperty("layers")[0].GetProperty("sizeBytes").GetString());
            Assert.Equal(["1", "latest"], inspected.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

            // One bad and one missing reference fail with their own lines; the good one between them is still removed.
            var rm = await CkProcess.RunAsync(CkWait, "registry", "rm", "Team/App", "team/app:1", "team/app:nope", "--manager-socket", socket);
            Assert.Equal(1, rm.ExitCode);
            Assert.Contains("Error: invalid reference 'Team/App': repository names must be lowercase", rm.Output, StringComparison.Ordinal);
            Assert.Contains($"Untagged: team/app:1 ({digest}); the manifest stays", rm.Output, StringComparison.Ordinal);
            Assert.Contains("Error: 'team/app:nope': repository team/app has no tag 'nope'", rm.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", rm.Output, StringComparison.Ordinal);

            Assert.Contains(
                $"Deleted: team/app@{digest} (untagged team/app:latest); blobs are left for garbage collection",
                await CkAsync(managers, "registry", "rm", $"team/app@{digest}", "--manager-socket", socket),
                StringComparison.Ordinal);
            var after = await CkAsync(managers, "registry", "ls", "--manager-socket", socket);
            Assert.Matches(@"team/app\s+0\s+0\s+0B", after);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or JsonException)
        {
            throw new InvalidOperationException($"{e.Message}\n{managers.Describe()}", e);
        }
    }

    /// <summary>The rows a push leaves in the store: the repository's blob links, the manifest's metadata, its tags.</summary>
    private static Transaction Pushed(string repository, byte[] manifest, byte[][] blobs, params string[] tags)
    {
        var digest = Digest.Of(manifest).ToString();
        var transaction = new Transaction();
        foreach (var blob in blobs)
        {
            var blobDigest = Digest.Of(blob).ToString();
            transaction.Mutations.Add(Put(new StoreObject { RegistryBlobLink = new RegistryBlobLink { Id = RegistryTables.DigestKey(repository, blobDigest), Repository = repository, Digest = blobDigest } }));
        }

        var row = new RegistryManifest { Id = RegistryTables.DigestKey(repository, digest), Repository = repository, Digest = digest, MediaType = MediaTypes.OciManifest, Size = manifest.Length };
        row.References.AddRange(blobs.Select(b => Digest.Of(b).ToString()));
        row.Blobs.AddRange(blobs.Select(b => new RegistryManifestBlob { Digest = Digest.Of(b).ToString(), Size = b.Length }));
        transaction.Mutations.Add(Put(new StoreObject { RegistryManifest = row }));
        foreach (var tag in tags)
        {
            transaction.Mutations.Add(Put(new StoreObject { RegistryTag = new RegistryTag { Id = RegistryTables.TagKey(repository, tag), Repository = repository, Tag = tag, ManifestDigest = digest } }));
        }

        return transaction;
    }

    private static Mutation Put(StoreObject value) => new() { Kind = Mutation.Types.Kind.Put, Object = value };

    private static async Task<string> CkAsync(SecureManagers managers, params string[] arguments)
    {
        var (exit, output) = await CkProcess.RunAsync(CkWait, arguments);
        return exit == 0
            ? output
            : throw new InvalidOperationException($"`ck {string.Join(' ', arguments)}` exited {exit}:\n{output}\n{managers.Describe()}");
    }
}
