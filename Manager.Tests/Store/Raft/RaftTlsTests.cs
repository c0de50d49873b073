using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;
using DotNext.Net.Security;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>
/// Three Raft members in this process with <see cref="RaftNodeOptions.TransportSecurity"/> built from
/// throwaway certificates (ECDSA P-256, made here): they commit over mutual TLS, and a member whose
/// certificate comes from another CA is shut out until it presents one from the cluster's CA.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class RaftTlsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Three_managers_commit_over_mutual_TLS()
    {
        using var ca = new ThrowawayCa("ckt-raft-ca");
        await using var cluster = await TlsCluster.StartAsync([ca, ca, ca]);
        for (var i = 0; i < 20; i++)
        {
            await cluster.CommitAsync(Put($"tls/{i}"), Wait);
        }

        foreach (var node in cluster.Nodes)
        {
            await WaitForVersionAsync(node, 20, Wait);
        }

        Assert.True(cluster.Handshakes.Accepted > 0, "no TLS handshake was validated: the transport did not use TLS");
        Assert.Equal(0, cluster.Handshakes.Refused);
    }

    [Fact]
    public async Task A_member_with_a_certificate_from_another_CA_cannot_join()
    {
        using var ca = new ThrowawayCa("ckt-raft-ca");
        using var other = new ThrowawayCa("ckt-raft-other-ca");
        await using var cluster = await TlsCluster.StartAsync([ca, ca, other]);
        for (var i = 0; i < 10; i++)
        {
            await cluster.CommitAsync(Put($"tls/{i}"), Wait);
        }

        await WaitForVersionAsync(cluster.Nodes[0], 10, Wait);
        await WaitForVersionAsync(cluster.Nodes[1], 10, Wait);

        // Long enough for several heartbeats and elections: nothing reaches the outsider.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var outsider = cluster.Nodes[2];
        Assert.Equal(0UL, outsider.Store.Memory.Version);
        Assert.False(outsider.Store.IsLeader);
        Assert.True(cluster.Handshakes.Refused > 0, "no handshake was refused, yet the outsider got nothing");

        // The same member with a certificate from the cluster's CA catches up: the certificate was the only obstacle.
        await cluster.RestartAsync(2, ca);
        await WaitForVersionAsync(cluster.Nodes[2], 10, Wait);
    }

    private static Transaction Put(string key) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key, Value = ByteString.CopyFromUtf8("v") } } } },
    };

    private static async Task WaitForVersionAsync(RaftNode node, ulong version, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (node.Store.Memory.Version < version)
        {
            Assert.True(DateTime.UtcNow < until, $"{node.Options.NodeId} reached store version {node.Store.Memory.Version}, not {version}, within {timeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    /// <summary>Counts the peer certificates the members' validation accepted and refused.</summary>
    private sealed class HandshakeCounter
    {
        private int _accepted;
        private int _refused;

        public int Accepted => Volatile.Read(ref _accepted);

        public int Refused => Volatile.Read(ref _refused);

        public void Count(bool accepted) => Interlocked.Increment(ref accepted ? ref _accepted : ref _refused);
    }

    /// <summary>A root CA that lives for one test: ECDSA P-256, issues manager certificates for loopback.</summary>
    private sealed class ThrowawayCa : IDisposable
    {
        public ThrowawayCa(string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
            Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(2));
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>A manager certificate (server and client authentication, IP 127.0.0.1) with its private key.</summary>
        public X509Certificate2 Issue(string nodeId)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={nodeId}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(8));
            return issued.CopyWithPrivateKey(key);
        }

        /// <summary>
        /// Mutual TLS between managers of this CA: each side presents its certificate and accepts a peer
        /// only if the peer's chain ends at this CA (the member list, not the host name, says who may connect).
        /// </summary>
        public SslOptions TransportSecurity(X509Certificate2 certificate, HandshakeCounter handshakes)
        {
            bool Validate(object sender, X509Certificate? peer, X509Chain? unused, SslPolicyErrors errors)
            {
                var accepted = peer is not null && ChainsToThisCa(peer);
                handshakes.Count(accepted);
                return accepted;
            }

            var context = SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(Certificate), offline: true);
            return new SslOptions
            {
                ServerOptions = new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = context,
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = Validate,
                },
                ClientOptions = new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    ClientCertificateContext = context,
                    RemoteCertificateValidationCallback = Validate,
                },
            };
        }

        private bool ChainsToThisCa(X509Certificate peer)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Certificate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(peer);
            return chain.Build(leaf);
        }

        public void Dispose() => Certificate.Dispose();
    }

    /// <summary>Three <see cref="RaftNode"/>s on loopback ports, each with a certificate from the CA given for it.</summary>
    private sealed class TlsCluster : IAsyncDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("ckt-raft-tls-").FullName;
        private readonly IPEndPoint[] _members;
        private readonly RaftNode?[] _nodes;

        private TlsCluster(IPEndPoint[] members)
        {
            _members = members;
            _nodes = new RaftNode?[members.Length];
        }

        public HandshakeCounter Handshakes { get; } = new();

        public IReadOnlyList<RaftNode> Nodes => [.. _nodes.Select(n => n ?? throw new InvalidOperationException("a member is not running"))];

        public static async Task<TlsCluster> StartAsync(ThrowawayCa[] authorities)
        {
            var ports = LoopbackPorts.Free(authorities.Length);
            var cluster = new TlsCluster([.. ports.Select(p => new IPEndPoint(IPAddress.Loopback, p))]);
            try
            {
                for (var i = 0; i < authorities.Length; i++)
                {
                    await cluster.StartMemberAsync(i, authorities[i]);
                }
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }

            return cluster;
        }

        public async Task RestartAsync(int index, ThrowawayCa authority)
        {
            if (_nodes[index] is { } running)
            {
                await running.DisposeAsync();
                _nodes[index] = null;
            }

            await StartMemberAsync(index, authority);
        }

        private async Task StartMemberAsync(int index, ThrowawayCa authority)
        {
            var nodeId = $"m{index + 1}";
            var certificate = authority.Issue(nodeId);
            var options = new RaftNodeOptions
            {
                NodeId = nodeId,
                DataDirectory = Path.Combine(_root, nodeId),
                RaftEndPoint = _members[index],
                // Writes go to the leader's store directly here; nothing forwards to this address.
                ApiAddress = $"127.0.0.1:{_members[index].Port + 1}",
                Members = _members,
                TransportSecurity = authority.TransportSecurity(certificate, Handshakes),
                StuckFollowerAfter = TimeSpan.Zero,

                // Calmer elections than production's: the test host is shared and busy.
                LowerElectionTimeoutMs = 400,
                UpperElectionTimeoutMs = 800,
            };
            _nodes[index] = await RaftNode.StartAsync(options, NullLoggerFactory.Instance, TimeProvider.System, onStuck: null, CancellationToken.None);
        }

        /// <summary>
        /// Commits on whichever member leads now (no store API runs here to forward to), trying again
        /// when leadership moves before the entry is appended, as a loaded host makes elections likelier.
        /// </summary>
        public async Task CommitAsync(Transaction transaction, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            Exception? last = null;
            while (DateTime.UtcNow < until)
            {
                if (_nodes.FirstOrDefault(n => n is { Store.IsLeader: true }) is { } leader)
                {
                    try
                    {
                        await leader.Store.ProposeAsLeaderAsync(transaction);
                        return;
                    }
                    catch (LeaderUnavailableException e)
                    {
                        last = e;
                    }
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"no leader committed a write within {timeout.TotalSeconds} s: {last?.Message ?? "no leader elected"}");
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in _nodes)
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }

            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
