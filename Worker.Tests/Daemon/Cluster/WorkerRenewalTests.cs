using ClusterKit.Shared.Identity;
using ClusterKit.TestKit;
using ClusterKit.Worker.Cluster;
using ClusterKit.Worker.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Tests.Cluster;

/// <summary>
/// A joined worker's membership renews its certificate from a real manager once the renewal point has passed:
/// the clock is moved to 80 % of the certificate's lifetime (after 2/3 + 1/12, before expiry).
/// </summary>
public sealed class WorkerRenewalTests
{
    [Fact]
    public async Task PastTheRenewalPointTheCertificateIsRenewedSwappedAndSaved()
    {
        using var data = new TempDirectory();
        var api = JoinedManager.FreeLoopbackAddress();
        var (manager, init) = await JoinedManager.StartInitialisedAsync(null, 300, JoinedManager.FreeLoopbackAddress(), api);
        await using (manager)
        {
            var clock = new ShiftedTime();
            var options = Microsoft.Extensions.Options.Options.Create(new WorkerOptions { DataRoot = data.Path });
            await using var membership = new WorkerMembership(options, clock, NullLoggerFactory.Instance);

            // Joined on the real clock; the first renewal point is then months away.
            var identity = await membership.JoinAsync(init.WorkerToken, api, CancellationToken.None);
            var first = membership.Credentials!.Certificate;
            Assert.Equal(identity.NodeId, membership.Credentials.Identity.NodeId);

            clock.Shift = (first.NotAfter - first.NotBefore) * 0.8;
            var files = new CertificateFiles(WorkerMembership.IdentityDirectory(options.Value));
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (membership.Credentials.Certificate.SerialNumber == first.SerialNumber || files.Load().Certificate.SerialNumber == first.SerialNumber)
            {
                Assert.True(DateTime.UtcNow < until, $"no renewal within 30 s\n{manager.RecentOutput()}");
                await Task.Delay(100);
            }

            var renewed = files.Load();
            Assert.Equal(identity, renewed.Identity);
            // X.509 times count whole seconds: a renewal within the second of the join expires at the same second.
            Assert.True(renewed.Certificate.NotAfter >= first.NotAfter, $"renewed certificate expires {renewed.Certificate.NotAfter:u}, the first {first.NotAfter:u}");
            Assert.NotEqual(first.GetPublicKey(), renewed.Certificate.GetPublicKey());
            await membership.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The system clock moved ahead by <see cref="Shift"/>; timers stay real.</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }
}
