using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>
/// When a node renews its certificate: once about 2/3 of its lifetime has passed, spread by jitter so that nodes that
/// joined together do not all renew in the same second. Pure; the caller owns the clock and the seeded Random.
/// </summary>
public sealed class RenewalPolicy
{
    public RenewalPolicy(double renewAtFraction = 2.0 / 3, double jitterFraction = 1.0 / 12)
    {
        if (!(renewAtFraction > 0 && renewAtFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(renewAtFraction), renewAtFraction, $"renewal point {renewAtFraction} is outside the lifetime; allowed: between 0 and 1 (exclusive)");
        }

        if (!(jitterFraction >= 0 && renewAtFraction - jitterFraction > 0 && renewAtFraction + jitterFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitterFraction), jitterFraction, $"renewal jitter {jitterFraction} takes the renewal point {renewAtFraction} outside the lifetime; allowed: 0 to {Math.Min(renewAtFraction, 1 - renewAtFraction)} (exclusive)");
        }

        RenewAtFraction = renewAtFraction;
        JitterFraction = jitterFraction;
    }

    public double RenewAtFraction { get; }

    public double JitterFraction { get; }

    /// <summary>The moment to renew: notBefore + lifetime x (fraction +/- jitter).</summary>
    public DateTimeOffset RenewAt(DateTimeOffset notBefore, DateTimeOffset notAfter, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (notAfter <= notBefore)
        {
            throw new ArgumentException($"certificate lifetime {notBefore:u} to {notAfter:u} is empty; notAfter must come after notBefore");
        }

        var fraction = RenewAtFraction + ((random.NextDouble() * 2) - 1) * JitterFraction;
        return notBefore + (notAfter - notBefore) * fraction;
    }

    public DateTimeOffset RenewAt(X509Certificate2 certificate, Random random)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return RenewAt(new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), random);
    }

    /// <summary>How long to wait before renewing; zero when the moment has passed.</summary>
    public TimeSpan DelayUntilRenewal(X509Certificate2 certificate, DateTimeOffset now, Random random)
    {
        var at = RenewAt(certificate, random);
        return at > now ? at - now : TimeSpan.Zero;
    }
}
