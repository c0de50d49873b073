using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Uploads;
using ClusterKit.Shared.Files;

namespace ClusterKit.Manager.Registry.Storage;

/// <summary>
/// Blobs on a manager's disk. Layout under the root (directories 0700, files 0600):
/// <c>blobs/ALGORITHM/XX/HEX</c> for committed blobs (XX the first two hex digits), and
/// <c>uploads/UUID/data</c> plus <c>uploads/UUID/owner</c> for uploads in progress. An upload's bytes are hashed
/// as they arrive (or, for an upload found on disk after a restart, from its file when it completes), fsynced,
/// and renamed into <c>blobs/</c> only if they match; a rename is atomic, so a reader
/// (or a restart) finds a whole, verified blob or none. Chunks of one upload are serialised by a lock per upload.
/// </summary>
public sealed class FileBlobStore : IBlobStore
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const string DataFile = "data";
    private const string OwnerFile = "owner";
    private const int BufferSize = 1 << 20;

    /// <summary>Room for at least one more TLS record's plaintext before the gathered bytes are written.</summary>
    private const int MinimumReadBytes = 16 * 1024;

    private readonly string _blobs;
    private readonly string _uploads;
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);

    public FileBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        _blobs = Path.Combine(Root, "blobs");
        _uploads = Path.Combine(Root, "uploads");
    }

    public string Root { get; }

    /// <summary>
    /// Made with the first upload, not when the store is built: a manager that never joins a cluster (a failed
    /// `cluster init` keeps nothing) leaves no registry directory behind. The mode applies to the last directory
    /// only, so each level is made on its own.
    /// </summary>
    private void EnsureDirectories()
    {
        foreach (var directory in (string[])[Root, _blobs, _uploads])
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }

        File.SetUnixFileMode(Root, DirectoryMode);
    }

    /// <summary>Where a blob's file is (whether or not it exists).</summary>
    public string BlobPath(Digest digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return Path.Combine(_blobs, digest.Algorithm, digest.Encoded[..2], digest.Encoded);
    }

    public ValueTask<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken)
    {
        var file = new FileInfo(BlobPath(digest));
        return ValueTask.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public Stream? OpenRead(Digest digest)
    {
        try
        {
            return new FileStream(BlobPath(digest), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public IEnumerable<StoredBlob> ListBlobs()
    {
        if (!Directory.Exists(_blobs))
        {
            yield break;
        }

        foreach (var algorithm in Directory.EnumerateDirectories(_blobs))
        {
            foreach (var file in Directory.EnumerateFiles(algorithm, "*", SearchOption.AllDirectories))
            {
                var info = new FileInfo(file);
                if (Digest.TryParse(Path.GetFileName(algorithm) + ":" + info.Name, out var digest, out _) && BlobPath(digest) == info.FullName && info.Exists)
                {
                    yield return new StoredBlob(digest, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
                }
            }
        }
    }

    public ValueTask<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken)
    {
        var path = BlobPath(digest);
        if (!File.Exists(path))
        {
            return ValueTask.FromResult(false);
        }

        File.Delete(path);
        return ValueTask.FromResult(true);
    }

    public async Task<UploadStatus> StartUploadAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var id = Guid.NewGuid().ToString("D");
        EnsureDirectories();
        var directory = Path.Combine(_uploads, id);
        Directory.CreateDirectory(directory, DirectoryMode);
        await using (var ownerFile = Create(Path.Combine(directory, OwnerFile)))
        {
            await ownerFile.WriteAsync(Encoding.UTF8.GetBytes(owner), cancellationToken).ConfigureAwait(false);
        }

        await using (Create(Path.Combine(directory, DataFile)))
        {
        }

        _sessions[id] = UploadSession.Started();
        return new UploadStatus(id, owner, 0);
    }

    public async Task<UploadStatus?> GetUploadAsync(string id, CancellationToken cancellationToken)
    {
        if (UploadDirectory(id) is not { } directory)
        {
            return null;
        }

        try
        {
            var owner = await File.ReadAllTextAsync(Path.Combine(directory, OwnerFile), Encoding.UTF8, cancellationToken).ConfigureAwait(false);
            var data = new FileInfo(Path.Combine(directory, DataFile));
            return data.Exists ? new UploadStatus(id, owner, data.Length) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<UploadStatus> AppendAsync(string id, Stream content, ContentRange? range, long? contentLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var session = SessionFor(id);
        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var status = await GetUploadAsync(id, cancellationToken).ConfigureAwait(false) ?? throw Forget(id);
            range?.CheckContinues(status.Offset, contentLength);
            var dataPath = Path.Combine(_uploads, id, DataFile);
            await using var file = new FileStream(dataPath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            file.Seek(status.Offset, SeekOrigin.Begin);
            long written;
            try
            {
                written = await CopyAsync(content, file, session.HashContinuing(status.Offset), cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                file.SetLength(status.Offset);
                session.Drop();
                throw;
            }

            if (contentLength is { } expected && written != expected)
            {
                file.SetLength(status.Offset);
                session.Drop();
                throw new RegistryException(
                    RegistryErrorCode.BlobUploadInvalid,
                    $"the chunk ended after {written} of the {expected} bytes its Content-Length announced; the upload still holds {status.Offset} bytes");
            }

            session.Appended(written);
            return status with { Offset = status.Offset + written };
        }
        finally
        {
            session.Gate.Release();
        }
    }

    public async Task<long> CompleteUploadAsync(string id, Digest digest, long? size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var session = SessionFor(id);
        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _ = await GetUploadAsync(id, cancellationToken).ConfigureAwait(false) ?? throw Forget(id);
            var directory = Path.Combine(_uploads, id);
            var dataPath = Path.Combine(directory, DataFile);
            var (actual, length) = await HashAndSyncAsync(dataPath, digest, session, cancellationToken).ConfigureAwait(false);
            if (size is { } expectedSize && length != expectedSize)
            {
                DeleteUpload(id);
                throw new RegistryException(RegistryErrorCode.SizeInvalid, $"the upload holds {length} bytes, not the {expectedSize} announced; it was discarded");
            }

            if (actual != digest)
            {
                DeleteUpload(id);
                throw new RegistryException(
                    RegistryErrorCode.DigestInvalid,
                    $"the uploaded {length} bytes have digest {actual}, not {digest}; the upload was discarded",
                    new Dictionary<string, string> { ["expected"] = digest.ToString(), ["actual"] = actual.ToString() });
            }

            var target = BlobPath(digest);
            if (!File.Exists(target))
            {
                var targetDirectory = Path.GetDirectoryName(target)!;
                Directory.CreateDirectory(Path.GetDirectoryName(targetDirectory)!, DirectoryMode);
                Directory.CreateDirectory(targetDirectory, DirectoryMode);
                File.Move(dataPath, target, overwrite: true);
                DirectorySync.Flush(targetDirectory);
            }
            else
            {
                // Committed again: garbage collection's sweep counts the blob's age from its last commit.
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            }

            DeleteUpload(id);
            return length;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    public async Task<bool> CancelUploadAsync(string id, CancellationToken cancellationToken)
    {
        if (UploadDirectory(id) is null)
        {
            return false;
        }

        var session = SessionFor(id);
        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (UploadDirectory(id) is not { } directory || !Directory.Exists(directory))
            {
                Forget(id);
                return false;
            }

            DeleteUpload(id);
            return true;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    public async Task<IReadOnlyList<string>> PurgeIdleUploadsAsync(DateTimeOffset idleSince, CancellationToken cancellationToken)
    {
        var purged = new List<string>();
        if (!Directory.Exists(_uploads))
        {
            return purged;
        }

        foreach (var directory in Directory.EnumerateDirectories(_uploads))
        {
            var id = Path.GetFileName(directory);
            if (UploadDirectory(id) is null)
            {
                continue;
            }

            var session = SessionFor(id);
            if (!await session.Gate.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                var data = new FileInfo(Path.Combine(directory, DataFile));
                var lastWrite = data.Exists ? data.LastWriteTimeUtc : Directory.GetLastWriteTimeUtc(directory);
                if (lastWrite < idleSince.UtcDateTime)
                {
                    DeleteUpload(id);
                    purged.Add(id);
                }
            }
            finally
            {
                session.Gate.Release();
            }
        }

        return purged;
    }

    /// <summary>The directory of an upload id, or null when the id is not a lowercase UUID (so never a path).</summary>
    private string? UploadDirectory(string id) =>
        Guid.TryParseExact(id, "D", out var guid) && guid.ToString("D") == id ? Path.Combine(_uploads, id) : null;

    /// <summary>This process's session of an upload (made without a running hash for one found on disk).</summary>
    private UploadSession SessionFor(string id) => UploadDirectory(id) is null ? throw UnknownUpload(id) : _sessions.GetOrAdd(id, _ => new UploadSession());

    /// <summary>Drops the lock made for an id that names no upload (so that made-up ids leave nothing behind).</summary>
    private RegistryException Forget(string id)
    {
        if (_sessions.TryRemove(id, out var session))
        {
            session.Drop();
        }

        return UnknownUpload(id);
    }

    private void DeleteUpload(string id)
    {
        var directory = Path.Combine(_uploads, id);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        // The caller holds the session's lock; dropping the session is safe because the id is gone for good.
        Forget(id);
    }

    /// <summary>
    /// The digest of the upload's bytes under <paramref name="expected"/>'s algorithm, from the session's running
    /// sha256 when it covers the whole file, else by reading the file; either way the file is fsynced first.
    /// </summary>
    private static async Task<(Digest Actual, long Length)> HashAndSyncAsync(string path, Digest expected, UploadSession session, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        file.Flush(flushToDisk: true);
        var length = file.Length;
        var running = expected.Algorithm == Digest.Sha256 ? session.TakeSha256(length) : null;
        session.Drop();
        if (running is not null)
        {
            return (expected.WithHash(running), length);
        }

        using var hash = IncrementalHash.CreateHash(expected.HashName);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (expected.WithHash(hash.GetHashAndReset()), length);
    }

    /// <summary>
    /// Copies the chunk, feeding <paramref name="hash"/> (when there is one) the same bytes. A request body arrives a
    /// TLS record or so per read; the bytes are gathered into the whole buffer before each file write, because every
    /// asynchronous file write is a hop to another thread, which cost more than the write.
    /// </summary>
    private static async Task<long> CopyAsync(Stream source, Stream destination, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        var filled = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash?.AppendData(buffer, filled, read);
                filled += read;
                total += read;
                if (buffer.Length - filled < MinimumReadBytes)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                    filled = 0;
                }
            }

            if (filled > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return total;
    }

    private static FileStream Create(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = AtomicFile.PrivateMode });

    private static RegistryException UnknownUpload(string id) =>
        new(RegistryErrorCode.BlobUploadUnknown, $"upload '{id}' is unknown: it finished, was cancelled, or never existed");
}
