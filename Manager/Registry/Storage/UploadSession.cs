using System.Security.Cryptography;

namespace ClusterKit.Manager.Registry.Storage;

/// <summary>
/// What this process keeps about one upload: the lock that serialises its requests, and the sha256 of the bytes
/// it appended itself, so that completing an upload it received whole needs no second read of the file. An
/// upload found on disk after a restart, or one whose chunk was taken back, has no running hash and is hashed
/// from its file when it completes.
/// </summary>
internal sealed class UploadSession
{
    private IncrementalHash? _sha256;
    private long _hashed;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>A session for an upload this process just started (empty file, empty hash).</summary>
    public static UploadSession Started() => new() { _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256) };

    /// <summary>The running hash if it covers exactly the <paramref name="offset"/> bytes a chunk is about to follow; else none from now on.</summary>
    public IncrementalHash? HashContinuing(long offset)
    {
        if (_sha256 is not null && _hashed != offset)
        {
            Drop();
        }

        return _sha256;
    }

    public void Appended(long count) => _hashed += count;

    /// <summary>The sha256 of the whole upload when the running hash covers all <paramref name="length"/> bytes; the hash is used up either way.</summary>
    public byte[]? TakeSha256(long length)
    {
        var hash = _sha256 is not null && _hashed == length ? _sha256.GetHashAndReset() : null;
        Drop();
        return hash;
    }

    public void Drop()
    {
        _sha256?.Dispose();
        _sha256 = null;
    }
}
