using System.Security.Cryptography;

namespace ClusterKit.Worker.Images.Layers;

/// <summary>A read-only pass-through that hashes (sha256) and counts every byte read.</summary>
internal sealed class HashingReadStream(Stream inner, bool leaveOpen = false) : ReadPassThroughStream(inner, leaveOpen)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Reads what is left (tar padding after the end marker counts toward a diff id) and returns the digest.</summary>
    public async Task<string> DrainAndDigestAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (await ReadAsync(buffer, cancellationToken) > 0)
        {
        }

        return Digests.FromHash(_hash.GetHashAndReset());
    }

    protected override void OnRead(ReadOnlySpan<byte> chunk) => _hash.AppendData(chunk);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
