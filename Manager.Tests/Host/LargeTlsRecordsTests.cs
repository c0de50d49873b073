using System.Buffers.Binary;
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
/// downloads), where plain Kestrel sends 4 KiB records; counted from the record headers on the wire.
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
