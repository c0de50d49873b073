using Grpc.Core;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>One init or join at a time, and neither on a manager that already belongs to a cluster.</summary>
internal sealed class BootstrapGate(ManagerOptions options, BootstrapFiles bootstrap, RaftMemberSlot member, ManagerTlsSlot tlsSlot) : IDisposable
{
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    /// <summary>Waits for the gate; dispose the result to leave it.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken token)
    {
        await _lifecycle.WaitAsync(token);
        return new Leave(_lifecycle);
    }

    public void EnsureNotJoined()
    {
        if (options.IsFixedMembership)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "this manager was started with a fixed member list (--peers or --cold-start), which has no cluster identity; start it without them to use `ck cluster init` or `ck cluster join`"));
        }

        if (member.Current is not null || new Shared.Identity.CertificateFiles(bootstrap.IdentityDirectory).Exist)
        {
            var identity = tlsSlot.Current?.Identity;
            throw new RpcException(new Status(
                StatusCode.FailedPrecondition,
                $"this manager is already part of cluster {identity?.ClusterId ?? "?"} as node {identity?.NodeId ?? "?"}; to start over, stop it and remove its data directory {options.DataDirectory}"));
        }
    }

    public void Dispose() => _lifecycle.Dispose();

    private sealed class Leave(SemaphoreSlim gate) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
