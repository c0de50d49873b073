using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// An OCI image layout (`oci:DIR:TAG` for skopeo) of seeded random layers: uncompressed tars of one file of random
/// bytes each, so that nothing compresses and every byte is transferred, in mixed sizes that add up to the total.
/// </summary>
internal sealed class BenchImage
{
    public const string Tag = "bench";

    private BenchImage(string directory, long bytes, int layers)
    {
        Directory = directory;
        Bytes = bytes;
        Layers = layers;
    }

    public string Directory { get; }

    /// <summary>The bytes of all blobs (layers, config, manifest).</summary>
    public long Bytes { get; }

    public int Layers { get; }

    /// <summary>Layer sizes: halving from half the total (100, 50, 25, ... MB for 200 MB) down to 1 MiB, the rest in 1 MiB layers.</summary>
    public static IReadOnlyList<long> LayerSizes(long total)
    {
        const long Floor = 1 << 20;
        var sizes = new List<long>();
        var left = total;
        for (var size = total / 2; size >= Floor && left > 0; size /= 2)
        {
            sizes.Add(Math.Min(size, left));
            left -= sizes[^1];
        }

        for (; left > 0; left -= Math.Min(Floor, left))
        {
            sizes.Add(Math.Min(Floor, left));
        }

        return sizes;
    }

    public static BenchImage Create(string directory, long totalBytes, int seed)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        System.IO.Directory.CreateDirectory(blobs);
        var random = new Random(seed);
        var layers = new List<object>();
        var diffIds = new List<string>();
        long bytes = 0;
        var index = 0;
        foreach (var size in LayerSizes(totalBytes))
        {
            var (digest, length) = WriteLayer(blobs, $"layer-{index++}.bin", size, random);
            layers.Add(new { mediaType = "application/vnd.oci.image.layer.v1.tar", digest, size = length });
            diffIds.Add(digest);
            bytes += length;
        }

        var config = JsonSerializer.SerializeToUtf8Bytes(new
        {
            architecture = "amd64",
            os = "linux",
            config = new { Cmd = new[] { "/bin/true" } },
            rootfs = new { type = "layers", diff_ids = diffIds },
        });
        var configDigest = WriteBlob(blobs, config);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.manifest.v1+json",
            config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = config.Length },
            layers,
        });
        var manifestDigest = WriteBlob(blobs, manifest);
        bytes += config.Length + manifest.Length;
        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        File.WriteAllBytes(Path.Combine(directory, "index.json"), JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            manifests = new[]
            {
                new
                {
                    mediaType = "application/vnd.oci.image.manifest.v1+json",
                    digest = manifestDigest,
                    size = manifest.Length,
                    annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = Tag },
                },
            },
        }));
        return new BenchImage(directory, bytes, layers.Count);
    }

    private static (string Digest, long Length) WriteLayer(string blobs, string name, long size, Random random)
    {
        var temporary = Path.Combine(blobs, ".partial");
        using (var file = File.Create(temporary))
        {
            using var tar = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: true);
            using var data = new RandomStream(random, size);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead });
        }

        string digest;
        using (var file = File.OpenRead(temporary))
        {
            digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(file));
        }

        var length = new FileInfo(temporary).Length;
        File.Move(temporary, Path.Combine(blobs, digest["sha256:".Length..]), overwrite: true);
        return (digest, length);
    }

    private static string WriteBlob(string blobs, byte[] content)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(Path.Combine(blobs, hex), content);
        return "sha256:" + hex;
    }

    /// <summary>A read-only stream of <c>length</c> seeded random bytes.</summary>
    private sealed class RandomStream(Random random, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var take = (int)Math.Min(count, length - _position);
            random.NextBytes(buffer.AsSpan(offset, take));
            _position += take;
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
