using System.IO.Compression;

namespace ClusterKit.Worker.Images.Layers;

/// <summary>Recognises gzip by its magic bytes, since layer files and archives come either way.</summary>
internal static class Compression
{
    public static async Task<bool> IsGzipAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        var magic = new byte[2];
        var read = await file.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, cancellationToken);
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    /// <summary>Opens <paramref name="path"/> decompressed when it is gzip, failing once it has unpacked more than <paramref name="limit"/> allows.</summary>
    public static async Task<Stream> OpenMaybeGzipAsync(string path, UnpackLimit limit, string what, CancellationToken cancellationToken)
    {
        var gzip = await IsGzipAsync(path, cancellationToken);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return limit.Wrap(gzip ? new GZipStream(file, CompressionMode.Decompress) : file, what);
    }
}
