namespace ClusterKit.Worker.Images.Store;

/// <summary>
/// Content-addressed blobs under blobs/sha256/&lt;hex&gt;. A blob only appears under its name once
/// it is complete and its digest checked (written in tmp/, then renamed).
/// </summary>
internal sealed class BlobStore
{
    private readonly string _blobs;
    private readonly string _temp;

    public BlobStore(string root, string temp)
    {
        _blobs = Path.Combine(root, "blobs", "sha256");
        _temp = temp;
        Directory.CreateDirectory(_blobs);
    }

    public string PathOf(string digest) => Path.Combine(_blobs, Digests.Hex(digest));

    public bool Exists(string digest) => File.Exists(PathOf(digest));

    public long SizeOf(string digest) => new FileInfo(PathOf(digest)).Length;

    public string NewTempPath(string purpose) => Path.Combine(_temp, $"{purpose}-{Guid.NewGuid():N}");

    /// <summary>Reads a small blob (manifest, config) and checks it still matches its digest.</summary>
    public async Task<byte[]> ReadAsync(string digest, CancellationToken cancellationToken)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"blob {digest} is missing from the image store at {_blobs}");
        }

        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        var actual = Digests.Of(content);
        return actual == digest
            ? content
            : throw new ImageStoreException(ImageErrorKind.CorruptContent, $"blob {digest} in the image store is corrupt: its content hashes to {actual}");
    }

    /// <summary>Stores bytes; true when the blob was new (so a failed operation knows what to take back).</summary>
    public async Task<(string Digest, bool Added)> WriteAsync(byte[] content, CancellationToken cancellationToken)
    {
        var digest = Digests.Of(content);
        if (Exists(digest))
        {
            return (digest, false);
        }

        var temp = NewTempPath("blob");
        await File.WriteAllBytesAsync(temp, content, cancellationToken);
        return (digest, Adopt(temp, digest));
    }

    /// <summary>Moves a complete, already verified file from tmp/ (or a staging folder on the same file system) into place.</summary>
    public bool Adopt(string verifiedFile, string digest)
    {
        var target = PathOf(digest);
        if (File.Exists(target))
        {
            File.Delete(verifiedFile);
            return false;
        }

        File.Move(verifiedFile, target);
        return true;
    }

    public void Delete(string digest) => File.Delete(PathOf(digest));

    public IEnumerable<string> All() =>
        Directory.EnumerateFiles(_blobs).Select(f => Digests.Prefix + Path.GetFileName(f)).Where(Digests.IsValid);
}
