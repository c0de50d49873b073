using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ClusterKit.Manager.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Tests.Host;

/// <summary>
/// A large response over Kestrel's TLS goes out in full-size records with <see cref="LargeTlsRecords"/> (the registry's
/// downloads), where plain Kestrel sends 4 KiB records; counted from the record headers on the wire. An upload reaches
/// the request a whole record or more per read.
/// </summary>
public sealed class LargeTlsRecordsTests
{
    private const int ResponseBytes = 4 << 20;

    [Theory]
    [InlineData(true, 15 * 1024)]
    [InlineData(false, 4 * 1024)]
    public async Task A_large_download_goes_out_in_records_of_the_expected_size(bool wrapped, int expectedMedianAtLeast)
    {
        var (app, thumbprint) = await StartAsync(wrapped);
        await using var running = app;
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        var records = await DownloadAsync(port, thumbprint);

        var application = records.Order().ToArray();
        var median = application[application.Length / 2];
        Assert.True(median >= expectedMedianAtLeast, $"median record {median} bytes; expected at least {expectedMedianAtLeast}");
        if (!wrapped)
        {
            Assert.True(median < 8 * 1024, $"plain Kestrel's median record was {median} bytes: the reason for LargeTlsRecords is gone");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_record_coalescing_a_large_download_reaches_the_socket_in_few_flushes_and_arrives_whole(bool coalesced)
    {
        var flushes = new FlushCounter();
        var (app, thumbprint) = await StartAsync(wrapped: true, coalesced, flushes);
        await using var running = app;
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        var (body, records) = await DownloadBodyAsync(port, thumbprint);

        Assert.Equal(Body(), body);
        var recordCount = records.Count(length => length > 1024);
        Assert.True(recordCount >= ResponseBytes / (16 * 1024), $"{recordCount} records");
        if (coalesced)
        {
            // 4 MiB in 256 records; held up to 256 KiB at a time: about 16 flushes, a few more for the handshake and headers.
            Assert.True(flushes.Count <= 32, $"{flushes.Count} flushes reached the socket for {recordCount} records");
        }
        else
        {
            // SslStream flushes after every write to its stream (one or two records each here).
            Assert.True(flushes.Count >= recordCount / 3, $"{flushes.Count} flushes for {recordCount} records: SslStream no longer flushes its writes, the reason for the coalescing is gone");
        }
    }

    [Fact]
    public async Task A_large_upload_reaches_the_request_a_whole_record_or_more_per_read()
    {
        var (app, thumbprint) = await StartAsync(wrapped: true);
        await using var running = app;
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        var reads = await UploadAsync(port, thumbprint);

        // Plain Kestrel hands the body over in pieces of 4 KiB at most (one per read of the TLS stream); how many of
        // them a read of the body finds together depends on timing, so only the wrapped side is asserted.
        var sizes = reads.Order().ToArray();
        var median = sizes[sizes.Length / 2];
        Assert.True(median >= 15 * 1024, $"median read {median} bytes over {sizes.Length} reads; expected a whole 16 KiB record or more");
    }

    /// <summary>Sends a 4 MiB body over HTTP/1.1 and returns the size of every read the endpoint made of it.</summary>
    private static async Task<List<int>> UploadAsync(int port, string thumbprint)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(socket.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        var body = RandomNumberGenerator.GetBytes(ResponseBytes);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"PUT /reads HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await tls.WriteAsync(body);
        using var reader = new StreamReader(tls);
        var response = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        List<int> sizes = [.. response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(size => int.Parse(size, CultureInfo.InvariantCulture))];
        Assert.Equal(body.Length, sizes.Sum());
        return sizes;
    }

    /// <summary>Fetches the response over HTTP/1.1 and returns the length of every application-data record the server sent.</summary>
    private static async Task<List<int>> DownloadAsync(int port, string thumbprint)
    {
        var (body, records) = await DownloadBodyAsync(port, thumbprint);
        Assert.Equal(ResponseBytes, body.Length);
        return records.Where(length => length > 1024).ToList();
    }

    /// <summary>Fetches the response over HTTP/1.1: its body, and the length of every TLS record the server sent.</summary>
    private static async Task<(byte[] Body, List<int> Records)> DownloadBodyAsync(int port, string thumbprint)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var wire = new RecordCountingStream(socket.GetStream());
        await using var tls = new SslStream(wire, leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        using var response = new MemoryStream();
        await tls.CopyToAsync(response);
        var bytes = response.ToArray();
        var headersEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(headersEnd > 0, "no end of headers");
        return (bytes[(headersEnd + 4)..], wire.Records);
    }

    /// <summary>The response body of /big: the same bytes every time, so that a download can be compared.</summary>
    private static byte[] Body()
    {
        var body = new byte[ResponseBytes];
        new Random(7).NextBytes(body);
        return body;
    }

    private static async Task<(WebApplication App, string Thumbprint)> StartAsync(bool wrapped, bool coalesced = false, FlushCounter? flushes = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddHours(-1), now.AddHours(1));
        var serving = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (flushes is not null)
            {
                listen.Use(flushes.Wrap);
            }

            if (coalesced)
            {
                listen.Use(TlsRecordCoalescing.Wrap);
            }

            listen.UseHttps(serving);
            if (wrapped)
            {
                listen.Use(LargeTlsRecords.Wrap);
            }
        }));
        var app = builder.Build();
        var body = Body();
        app.MapGet("/big", async (HttpContext context) =>
        {
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        app.MapPut("/reads", async (HttpContext context) =>
        {
            List<long> reads = [];
            while (true)
            {
                var result = await context.Request.BodyReader.ReadAsync();
                if (!result.Buffer.IsEmpty)
                {
                    reads.Add(result.Buffer.Length);
                }

                context.Request.BodyReader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            var text = Encoding.ASCII.GetBytes(string.Join(',', reads));
            context.Response.ContentLength = text.Length;
            await context.Response.Body.WriteAsync(text);
        });
        await app.StartAsync();
        return (app, serving.GetCertHashString());
    }

    /// <summary>Counts the flushes that reach the socket's pipe (the outermost connection step).</summary>
    private sealed class FlushCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
            TransportPipe.RunWithOutputAsync(connection, new Counting(connection.Transport.Output, this), next);

        private sealed class Counting(PipeWriter inner, FlushCounter counter) : DelegatingPipeWriter(inner)
        {
            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref counter._count);
                return Inner.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>Passes bytes through and notes the length field of every TLS record header the server sends.</summary>
    private sealed class RecordCountingStream(Stream inner) : Stream
    {
        private readonly byte[] _header = new byte[5];
        private int _headerFilled;
        private int _bodyLeft;

        public List<int> Records { get; } = [];

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Note(buffer.Span[..read]);
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Note(buffer.AsSpan(offset, read));
            return read;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Note(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                if (_bodyLeft > 0)
                {
                    var skip = Math.Min(_bodyLeft, bytes.Length);
                    _bodyLeft -= skip;
                    bytes = bytes[skip..];
                    continue;
                }

                var take = Math.Min(_header.Length - _headerFilled, bytes.Length);
                bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                bytes = bytes[take..];
                if (_headerFilled == _header.Length)
                {
                    _bodyLeft = BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(3));
                    Records.Add(_bodyLeft);
                    _headerFilled = 0;
                }
            }
        }
    }
}
