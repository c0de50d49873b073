using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ClusterKit.Manager.Host;
using Microsoft.AspNetCore.Builder;
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

    /// <summary>Fetches the response over HTTP/1.1 and returns the length of every TLS record the server sent.</summary>
    private static async Task<List<int>> DownloadAsync(int port, string thumbprint)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var wire = new RecordCountingStream(socket.GetStream());
        await using var tls = new SslStream(wire, leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await tls.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        Assert.True(total > ResponseBytes, $"read {total} bytes");
        return wire.Records.Where(length => length > 1024).ToList();
    }

    private static async Task<(WebApplication App, string Thumbprint)> StartAsync(bool wrapped)
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
            listen.UseHttps(serving);
            if (wrapped)
            {
                listen.Use(LargeTlsRecords.Wrap);
            }
        }));
        var app = builder.Build();
        var body = RandomNumberGenerator.GetBytes(ResponseBytes);
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
