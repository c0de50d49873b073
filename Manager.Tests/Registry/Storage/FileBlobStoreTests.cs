using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Registry.Uploads;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Registry.Storage;

public sealed class FileBlobStoreTests : IDisposable
{
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly TempDirectory _root = new("ck-registry-blobs");
    private readonly FileBlobStore _store;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public FileBlobStoreTests()
    {
        _store = new FileBlobStore(_root.Path);
    }

    private CancellationToken _ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task An_upload_in_one_piece_becomes_a_blob_at_its_content_address()
    {
        var content = Encoding.ASCII.GetBytes("hello registry");
        var digest = Digest.Of(content);

        var upload = await _store.StartUploadAsync("library/hello", _ct);
        var appended = await _store.AppendAsync(upload.Id, new MemoryStream(content), null, content.Length, _ct);
        var size = await _store.CompleteUploadAsync(upload.Id, digest, content.Length, _ct);

        Assert.Equal(content.Length, appended.Offset);
        Assert.Equal(content.Length, size);
        Assert.Equal(content.Length, await _store.GetSizeAsync(digest, _ct));
        Assert.Equal(content, await ReadAllAsync(digest));
        var path = _root.Combine("blobs", "sha256", digest.Encoded[..2], digest.Encoded);
        Assert.Equal(path, _store.BlobPath(digest));
        Assert.True(File.Exists(path));
        Assert.Null(await _store.GetUploadAsync(upload.Id, _ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Combine("uploads")));
    }

    [Fact]
    public async Task Blob_files_are_0600_and_their_directories_0700()
    {
        var content = Encoding.ASCII.GetBytes("private");
        var digest = Digest.Of(content);
        var upload = await _store.StartUploadAsync("a", _ct);

        Assert.Equal(FileMode0600, File.GetUnixFileMode(_root.Combine("uploads", upload.Id, "data")));
        Assert.Equal(FileMode0600, File.GetUnixFileMode(_root.Combine("uploads", upload.Id, "owner")));
        Assert.Equal(DirectoryMode0700, File.GetUnixFileMode(_root.Combine("uploads", upload.Id)));

        await _store.AppendAsync(upload.Id, new MemoryStream(content), null, null, _ct);
        await _store.CompleteUploadAsync(upload.Id, digest, null, _ct);

        var blob = _store.BlobPath(digest);
        Assert.Equal(FileMode0600, File.GetUnixFileMode(blob));
        foreach (var directory in new[] { _root.Path, _root.Combine("blobs"), _root.Combine("blobs", "sha256"), Path.GetDirectoryName(blob)!, _root.Combine("uploads") })
        {
            Assert.Equal(DirectoryMode0700, File.GetUnixFileMode(directory));
        }
    }

    [Fact]
    public async Task Chunks_must_continue_where_the_upload_ends()
    {
        var content = RandomNumberGenerator.GetBytes(3000);
        var upload = await _store.StartUploadAsync("a", _ct);

        await _store.AppendAsync(upload.Id, new MemoryStream(content[..1000]), new ContentRange(0, 999), 1000, _ct);
        var gap = await Assert.ThrowsAsync<RegistryException>(() => _store.AppendAsync(upload.Id, new MemoryStream(content[1500..]), new ContentRange(1500, 2999), 1500, _ct));
        var repeat = await Assert.ThrowsAsync<RegistryException>(() => _store.AppendAsync(upload.Id, new MemoryStream(content[..1000]), new ContentRange(0, 999), 1000, _ct));
        await _store.AppendAsync(upload.Id, new MemoryStream(content[1000..]), new ContentRange(1000, 2999), 2000, _ct);
        await _store.CompleteUploadAsync(upload.Id, Digest.Of(content), 3000, _ct);

        Assert.Equal(RegistryErrorCode.RangeInvalid, gap.Code);
        Assert.Equal(RegistryErrorCode.RangeInvalid, repeat.Code);
        Assert.Equal(content, await ReadAllAsync(Digest.Of(content)));
    }

    [Fact]
    public async Task An_upload_resumes_after_a_restart_from_what_it_holds()
    {
        var content = RandomNumberGenerator.GetBytes(5000);
        var upload = await _store.StartUploadAsync("team/app", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(content[..2048]), null, null, _ct);

        var restarted = new FileBlobStore(_root.Path);
        var status = await restarted.GetUploadAsync(upload.Id, _ct);
        await restarted.AppendAsync(upload.Id, new MemoryStream(content[2048..]), new ContentRange(2048, 4999), null, _ct);
        await restarted.CompleteUploadAsync(upload.Id, Digest.Of(content), null, _ct);

        Assert.Equal(new UploadStatus(upload.Id, "team/app", 2048), status);
        Assert.Equal(content, await ReadAllAsync(Digest.Of(content)));
    }

    [Fact]
    public async Task A_digest_mismatch_discards_the_upload_and_stores_nothing()
    {
        var content = Encoding.ASCII.GetBytes("actual bytes");
        var claimed = Digest.Of(Encoding.ASCII.GetBytes("other bytes"));
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(content), null, null, _ct);

        var error = await Assert.ThrowsAsync<RegistryException>(() => _store.CompleteUploadAsync(upload.Id, claimed, null, _ct));

        Assert.Equal(RegistryErrorCode.DigestInvalid, error.Code);
        Assert.Equal($"the uploaded 12 bytes have digest {Digest.Of(content)}, not {claimed}; the upload was discarded", error.Message);
        Assert.Null(await _store.GetSizeAsync(claimed, _ct));
        Assert.Null(await _store.GetSizeAsync(Digest.Of(content), _ct));
        Assert.Null(await _store.GetUploadAsync(upload.Id, _ct));
        Assert.Empty(Directory.EnumerateFiles(_root.Combine("blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_size_mismatch_is_SIZE_INVALID_and_discards_the_upload()
    {
        var content = Encoding.ASCII.GetBytes("12345");
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(content), null, null, _ct);

        var error = await Assert.ThrowsAsync<RegistryException>(() => _store.CompleteUploadAsync(upload.Id, Digest.Of(content), 6, _ct));

        Assert.Equal(RegistryErrorCode.SizeInvalid, error.Code);
        Assert.Null(await _store.GetSizeAsync(Digest.Of(content), _ct));
        Assert.Null(await _store.GetUploadAsync(upload.Id, _ct));
    }

    [Fact]
    public async Task A_chunk_shorter_than_its_Content_Length_is_taken_back_whole()
    {
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(new byte[10]), null, 10, _ct);

        var error = await Assert.ThrowsAsync<RegistryException>(() => _store.AppendAsync(upload.Id, new MemoryStream(new byte[7]), null, 20, _ct));

        Assert.Equal(RegistryErrorCode.BlobUploadInvalid, error.Code);
        Assert.Equal("the chunk ended after 7 of the 20 bytes its Content-Length announced; the upload still holds 10 bytes", error.Message);
        Assert.Equal(10, (await _store.GetUploadAsync(upload.Id, _ct))!.Offset);
    }

    [Fact]
    public async Task A_chunk_whose_stream_breaks_is_taken_back_whole()
    {
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(new byte[10]), null, null, _ct);

        await Assert.ThrowsAsync<IOException>(() => _store.AppendAsync(upload.Id, new BreakingStream(5000), null, null, _ct));

        Assert.Equal(10, (await _store.GetUploadAsync(upload.Id, _ct))!.Offset);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upload_completes_to_its_bytes_after_a_chunk_was_taken_back(bool streamBreaks)
    {
        var content = RandomNumberGenerator.GetBytes(30_000);
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(content[..10_000]), null, null, _ct);
        var failed = streamBreaks
            ? _store.AppendAsync(upload.Id, new BreakingStream(4000), null, null, _ct)
            : _store.AppendAsync(upload.Id, new MemoryStream(RandomNumberGenerator.GetBytes(2000)), null, 5000, _ct);
        await Assert.ThrowsAnyAsync<Exception>(() => failed);
        await _store.AppendAsync(upload.Id, new MemoryStream(content[10_000..]), new ContentRange(10_000, 29_999), 20_000, _ct);

        Assert.Equal(30_000, await _store.CompleteUploadAsync(upload.Id, Digest.Of(content), 30_000, _ct));
        Assert.Equal(content, await ReadAllAsync(Digest.Of(content)));
    }

    [Fact]
    public async Task The_same_content_completed_twice_is_one_blob()
    {
        var content = Encoding.ASCII.GetBytes("twice");
        foreach (var _ in new[] { 1, 2 })
        {
            var upload = await _store.StartUploadAsync("a", _ct);
            await _store.AppendAsync(upload.Id, new MemoryStream(content), null, null, _ct);
            await _store.CompleteUploadAsync(upload.Id, Digest.Of(content), null, _ct);
        }

        Assert.Single(Directory.EnumerateFiles(_root.Combine("blobs"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Combine("uploads")));
    }

    [Fact]
    public async Task Sha512_digests_are_verified_with_sha512()
    {
        var content = Encoding.ASCII.GetBytes("abc");
        var digest = Digest.Parse("sha512:" + Convert.ToHexStringLower(SHA512.HashData(content)));
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(content), null, null, _ct);

        await _store.CompleteUploadAsync(upload.Id, digest, 3, _ct);

        Assert.StartsWith(_root.Combine("blobs", "sha512", digest.Encoded[..2]), _store.BlobPath(digest), StringComparison.Ordinal);
        Assert.Equal(3, await _store.GetSizeAsync(digest, _ct));
    }

    [Fact]
    public async Task A_cancelled_upload_is_gone()
    {
        var upload = await _store.StartUploadAsync("a", _ct);

        Assert.True(await _store.CancelUploadAsync(upload.Id, _ct));
        Assert.False(await _store.CancelUploadAsync(upload.Id, _ct));
        Assert.Null(await _store.GetUploadAsync(upload.Id, _ct));
        var error = await Assert.ThrowsAsync<RegistryException>(() => _store.AppendAsync(upload.Id, new MemoryStream([1]), null, null, _ct));
        Assert.Equal(RegistryErrorCode.BlobUploadUnknown, error.Code);
    }

    [Theory]
    [InlineData("../blobs")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("0B1C6D3E-0000-0000-0000-000000000000")]
    [InlineData("0b1c6d3e000000000000000000000000")]
    [InlineData("0b1c6d3e-0000-0000-0000-000000000000/../x")]
    public async Task Upload_ids_that_are_not_lowercase_UUIDs_name_no_upload(string id)
    {
        Assert.Null(await _store.GetUploadAsync(id, _ct));
        Assert.False(await _store.CancelUploadAsync(id, _ct));
        var error = await Assert.ThrowsAsync<RegistryException>(() => _store.AppendAsync(id, new MemoryStream([1]), null, null, _ct));
        Assert.Equal(RegistryErrorCode.BlobUploadUnknown, error.Code);
        await Assert.ThrowsAsync<RegistryException>(() => _store.CompleteUploadAsync(id, Digest.Of([]), null, _ct));
    }

    [Fact]
    public async Task Concurrent_chunks_of_one_upload_do_not_interleave()
    {
        var upload = await _store.StartUploadAsync("a", _ct);
        var chunks = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)i, 100_000).ToArray()).ToArray();

        await Task.WhenAll(chunks.Select(c => Task.Run(() => _store.AppendAsync(upload.Id, new MemoryStream(c), null, null, _ct), _ct)));

        var status = await _store.GetUploadAsync(upload.Id, _ct);
        var bytes = await File.ReadAllBytesAsync(_root.Combine("uploads", upload.Id, "data"), _ct);
        Assert.Equal(800_000, status!.Offset);
        for (var i = 0; i < 8; i++)
        {
            Assert.Single(bytes.Skip(i * 100_000).Take(100_000).Distinct());
        }
    }

    [Fact]
    public async Task Deleting_a_blob_removes_its_bytes()
    {
        var content = Encoding.ASCII.GetBytes("gone");
        var upload = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(upload.Id, new MemoryStream(content), null, null, _ct);
        await _store.CompleteUploadAsync(upload.Id, Digest.Of(content), null, _ct);

        Assert.True(await _store.DeleteAsync(Digest.Of(content), _ct));
        Assert.False(await _store.DeleteAsync(Digest.Of(content), _ct));
        Assert.Null(_store.OpenRead(Digest.Of(content)));
        Assert.Null(await _store.GetSizeAsync(Digest.Of(content), _ct));
    }

    [Fact]
    public async Task Idle_uploads_are_purged_and_recent_ones_kept()
    {
        var idleSince = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var idle = await _store.StartUploadAsync("a", _ct);
        var recent = await _store.StartUploadAsync("a", _ct);
        await _store.AppendAsync(recent.Id, new MemoryStream([1, 2, 3]), null, null, _ct);
        File.SetLastWriteTimeUtc(_root.Combine("uploads", idle.Id, "data"), idleSince.UtcDateTime.AddSeconds(-1));
        File.SetLastWriteTimeUtc(_root.Combine("uploads", recent.Id, "data"), idleSince.UtcDateTime.AddSeconds(1));
        Directory.CreateDirectory(_root.Combine("uploads", "not-an-upload"));

        var purged = await _store.PurgeIdleUploadsAsync(idleSince, _ct);

        Assert.Equal([idle.Id], purged);
        Assert.Null(await _store.GetUploadAsync(idle.Id, _ct));
        Assert.Equal(3, (await _store.GetUploadAsync(recent.Id, _ct))!.Offset);
        Assert.True(Directory.Exists(_root.Combine("uploads", "not-an-upload")));
    }

    private async Task<byte[]> ReadAllAsync(Digest digest)
    {
        await using var stream = _store.OpenRead(digest) ?? throw new InvalidOperationException($"{digest} is not stored");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, _ct);
        return copy.ToArray();
    }

    /// <summary>A request body that delivers some bytes and then breaks, as a dropped connection does.</summary>
    private sealed class BreakingStream(int before) : Stream
    {
        private int _left = before;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_left == 0)
            {
                throw new IOException("the connection was reset");
            }

            var n = Math.Min(count, _left);
            RandomNumberGenerator.Fill(buffer.AsSpan(offset, n));
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
