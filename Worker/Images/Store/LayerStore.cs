using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Store;

/// <summary>
/// Unpacked layers under layers/&lt;diff-id hex&gt;/, each unpacked once and shared read-only by every
/// container as an overlayfs lowerdir. A layer is unpacked in tmp/ and renamed into place only when
/// its content has hashed to the expected diff id.
/// </summary>
internal sealed class LayerStore
{
    private readonly string _layers;
    private readonly string _temp;
    private readonly LayerUnpacker _unpacker;
    private readonly UnpackLimit _limit;

    public LayerStore(string root, string temp, LayerUnpacker unpacker, UnpackLimit limit)
    {
        _limit = limit;
        _layers = Path.Combine(root, "layers");
        _temp = temp;
        _unpacker = unpacker;
        Directory.CreateDirectory(_layers);
    }

    public string PathOf(string diffId) => Path.Combine(_layers, Digests.Hex(diffId));

    public bool Exists(string diffId) => Directory.Exists(PathOf(diffId));

    /// <summary>Unpacks the layer blob unless already there; true when this call created it.</summary>
    public async Task<bool> EnsureAsync(string diffId, string blobPath, CancellationToken cancellationToken)
    {
        var target = PathOf(diffId);
        if (Directory.Exists(target))
        {
            return false;
        }

        var staging = Path.Combine(_temp, $"layer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);

        // The layer's root takes the tar's "./" mode when it has one; otherwise 0755, not the daemon's umask.
        File.SetUnixFileMode(staging, LayerUnpacker.ImageDirectoryMode);
        try
        {
            await using var raw = await Compression.OpenMaybeGzipAsync(blobPath, _limit, $"layer {diffId}", cancellationToken);
            await using var hashing = new HashingReadStream(raw);
            await _unpacker.UnpackAsync(hashing, staging, cancellationToken);
            var actual = await hashing.DrainAndDigestAsync(cancellationToken);
            if (actual != diffId)
            {
                throw new ImageStoreException(ImageErrorKind.CorruptContent, $"layer {diffId} does not match its content: the tar hashes to {actual}");
            }

            Directory.Move(staging, target);
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"layer {diffId} is a truncated or corrupt tar/gzip stream: {ex.Message}", ex);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    public void Delete(string diffId)
    {
        var path = PathOf(diffId);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    public IEnumerable<string> All() =>
        Directory.EnumerateDirectories(_layers).Select(d => Digests.Prefix + Path.GetFileName(d)).Where(Digests.IsValid);
}
