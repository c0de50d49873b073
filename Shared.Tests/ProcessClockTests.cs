using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Tests;

/// <summary>
/// scripts/test.sh runs the identity and CA tests a second time with the process clock ten years ahead (libfaketime).
/// This test is in both runs and proves the shift reaches .NET: the runner names the earliest moment the clock may
/// show (CK_TEST_CLOCK_NOT_BEFORE), and the wall clock, TimeProvider.System and a certificate made "now" must be past it.
/// </summary>
public sealed class ProcessClockTests
{
    private const string NotBeforeVariable = "CK_TEST_CLOCK_NOT_BEFORE";

    [Fact]
    public void The_process_clock_is_no_earlier_than_the_runner_says()
    {
        // Without the runner's word, the clock must at least be past the moment this assembly was built.
        var said = Environment.GetEnvironmentVariable(NotBeforeVariable);
        var notBefore = said is null
            ? new DateTimeOffset(File.GetLastWriteTimeUtc(typeof(ProcessClockTests).Assembly.Location)).AddDays(-1)
            : DateTimeOffset.Parse(said, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        Assert.True(DateTime.UtcNow >= notBefore.UtcDateTime, $"DateTime.UtcNow {DateTime.UtcNow:u} is before {notBefore:u} ({NotBeforeVariable}={said})");
        Assert.True(TimeProvider.System.GetUtcNow() >= notBefore, $"TimeProvider.System {TimeProvider.System.GetUtcNow():u} is before {notBefore:u}");

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = new CertificateRequest("CN=ckt-clock", key, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddMinutes(-1), now.AddMinutes(1));
        Assert.True(certificate.NotBefore.ToUniversalTime() >= notBefore.UtcDateTime.AddMinutes(-1), $"a certificate made now starts {certificate.NotBefore.ToUniversalTime():u}");
    }
}
