using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>
/// `ck image save --format oci` checked by a reader that is not ClusterKit: Debian's skopeo (installed by
/// scripts/setup.sh) must accept the archive, and find the manifest, config and layers that the worker reports.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class OciArchiveSkopeoTests(WorkerFixture fixture)
{
    [Fact]
    public void Skopeo_inspects_the_saved_archive_and_finds_the_same_manifest_and_config()
    {
        var archive = Path.Combine(fixture.Scratch, "ckt-oci-" + Guid.NewGuid().ToString("N")[..6] + ".tar");
        try
        {
            var save = fixture.Ck("image", "save", "--format", "oci", "-o", archive, "busybox:latest");
            Assert.True(save.ExitCode == 0, save.Output);
            var image = InspectImage("busybox:latest");

            using var inspected = JsonDocument.Parse(Skopeo("inspect", "oci-archive:" + archive));
            Assert.Equal(image.GetProperty("manifestDigest").GetString(), inspected.RootElement.GetProperty("Digest").GetString());
            Assert.Equal("linux", inspected.RootElement.GetProperty("Os").GetString());
            Assert.Equal(image.GetProperty("architecture").GetString(), inspected.RootElement.GetProperty("Architecture").GetString());

            using var manifest = JsonDocument.Parse(Skopeo("inspect", "--raw", "oci-archive:" + archive));
            Assert.Equal(image.GetProperty("id").GetString(), manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
            var manifestLayers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()).ToList();
            var reportedLayers = inspected.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()).ToList();
            Assert.NotEmpty(manifestLayers);
            Assert.Equal(manifestLayers, reportedLayers);

            using var config = JsonDocument.Parse(Skopeo("inspect", "--config", "oci-archive:" + archive));
            Assert.Equal(["sh"], config.RootElement.GetProperty("config").GetProperty("Cmd").EnumerateArray().Select(c => c.GetString()));
        }
        finally
        {
            File.Delete(archive);
        }
    }

    [Fact]
    public void Skopeo_copies_every_blob_out_of_the_archive_and_each_one_matches_its_digest()
    {
        var archive = Path.Combine(fixture.Scratch, "ckt-oci-" + Guid.NewGuid().ToString("N")[..6] + ".tar");
        var copied = Path.Combine(fixture.Scratch, "ckt-oci-dir-" + Guid.NewGuid().ToString("N")[..6]);
        try
        {
            var save = fixture.Ck("image", "save", "--format", "oci", "-o", archive, "busybox:latest");
            Assert.True(save.ExitCode == 0, save.Output);

            // skopeo copy verifies each blob against its digest while it reads it; a wrong digest fails the copy.
            Skopeo("copy", "--insecure-policy", "oci-archive:" + archive, "dir:" + copied);

            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(copied, "manifest.json")));
            var digests = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)
                .Append(manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!).ToList();
            foreach (var digest in digests)
            {
                var blob = Path.Combine(copied, digest["sha256:".Length..]);
                Assert.True(File.Exists(blob), $"skopeo did not copy {digest}");
                using var stream = File.OpenRead(blob);
                Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream)));
            }

            Assert.Equal(InspectImage("busybox:latest").GetProperty("id").GetString(), digests[^1]);
        }
        finally
        {
            File.Delete(archive);
            if (Directory.Exists(copied))
            {
                Directory.Delete(copied, recursive: true);
            }
        }
    }

    private JsonElement InspectImage(string reference)
    {
        var (code, output) = fixture.Ck("image", "inspect", reference);
        Assert.True(code == 0, output);
        using var document = JsonDocument.Parse(output);
        return document.RootElement[0].Clone();
    }

    private static string Skopeo(params string[] arguments)
    {
        var info = new ProcessStartInfo("skopeo") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start skopeo (scripts/setup.sh installs it)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"skopeo {string.Join(' ', arguments)} did not finish in 120 s");
        }

        Assert.True(process.ExitCode == 0, $"skopeo {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
