using System.IO.Compression;

namespace ClusterKit.Worker.Images.Layers;

/// <summary>A gzip layer blob written to tmp/, with both of its digests.</summary>
internal sealed record BuiltLayer(string TempPath, string BlobDigest, long Size, string DiffId);

/// <summary>Turns a directory or a rootfs tar into a gzip layer blob, hashing the tar (diff id) and the gzip (blob digest) in one pass.</summary>
internal sealed class LayerBuilder
{
    private readonly LayerPacker _packer;
    private readonly UnpackLimit _limit;

    public LayerBuilder(LayerPacker packer, UnpackLimit limit)
    {
        _packer = packer;
        _limit = limit;
    }

    public Task<BuiltLayer> FromDirectoryAsync(string directory, LayerSource source, string tempPath, CancellationToken cancellationToken) =>
        BuildAsync(tempPath, tar => _packer.PackAsync(directory, tar, source, clampModificationTime: null, cancellationToken), cancellationToken);

    /// <summary>Takes a tar or tar.gz as it is (recompressed, so every stored layer is gzip); the tar itself is checked when it is unpacked.</summary>
    public Task<BuiltLayer> FromTarFileAsync(string path, string tempPath, CancellationToken cancellationToken) =>
        BuildAsync(tempPath, async tar =>
        {
            await using var input = await Compression.OpenMaybeGzipAsync(path, _limit, path, cancellationToken);
            await input.CopyToAsync(tar, cancellationToken);
        }, cancellationToken);

    private static async Task<BuiltLayer> BuildAsync(string tempPath, Func<Stream, Task> writeTar, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            using var blob = new HashingWriteStream(file, leaveOpen: true);
            string diffId;
            await using (var gzip = new GZipStream(blob, CompressionLevel.Optimal, leaveOpen: true))
            {
                using var tar = new HashingWriteStream(gzip, leaveOpen: true);
                await writeTar(tar);
                diffId = tar.Digest();
            }

            await file.FlushAsync(cancellationToken);
            return new BuiltLayer(tempPath, blob.Digest(), blob.BytesWritten, diffId);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            File.Delete(tempPath);
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"the layer source is a truncated or corrupt gzip stream: {ex.Message}", ex);
        }
        catch (ImageStoreException)
        {
            // Past the unpack limit: nothing half-written stays in tmp/.
            File.Delete(tempPath);
            throw;
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }
    }
}
