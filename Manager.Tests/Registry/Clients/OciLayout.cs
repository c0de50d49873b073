using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry.Clients;

/// <summary>A tiny image written by hand as an OCI image layout (one gzip layer with one file), for real clients to copy.</summary>
internal static class OciLayout
{
    /// <summary>Writes the layout under <paramref name="directory"/> with the image tagged <paramref name="tag"/>; returns the manifest's digest.</summary>
    public static Digest Write(string directory, string tag, string fileContent)
    {
        var layer = GzipTar("hello.txt", fileContent);
        var diffId = Digest.Of(Tar("hello.txt", fileContent));
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("/hello.txt") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId.ToString()) },
        }.ToJsonString());
        var manifest = TestManifests.Bytes(TestManifests.Image(config, layer));
        var manifestDigest = Digest.Of(manifest);

        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        foreach (var blob in new[] { layer, config, manifest })
        {
            File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", Digest.Of(blob).Encoded), blob);
        }

        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = MediaTypes.OciManifest,
                ["digest"] = manifestDigest.ToString(),
                ["size"] = manifest.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag },
            }),
        };
        File.WriteAllText(Path.Combine(directory, "index.json"), index.ToJsonString());
        return manifestDigest;
    }

    private static byte[] Tar(string name, string content)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                ModificationTime = DateTimeOffset.UnixEpoch,
            };
            tar.WriteEntry(entry);
        }

        return buffer.ToArray();
    }

    private static byte[] GzipTar(string name, string content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Tar(name, content));
        }

        return buffer.ToArray();
    }
}
