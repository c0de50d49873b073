using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking;

/// <summary>Container veths through `ip -batch`: one process on the host side, one (nsenter + ip) inside the container.</summary>
public sealed class IpVethDriver : IVethDriver
{
    private readonly HostNetworkTools _tools;

    public IpVethDriver(ICommandRunner commandRunner)
    {
        _tools = new HostNetworkTools(commandRunner);
    }

    public async Task CreateAsync(VethPlan plan, CancellationToken cancellationToken)
    {
        await _tools.RunIpBatchAsync(IpCommands.CreateVeth(plan), cancellationToken);
        try
        {
            await _tools.RunIpBatchInAsync(plan.NetworkNamespacePath, IpCommands.ConfigureContainerInterface(plan), cancellationToken);
        }
        catch (Exception error) when (error is CommandFailedException or OperationCanceledException)
        {
            // Not cancellable: a half-made veth must not outlive a failed or cancelled attach.
            await _tools.DeleteLinkAsync(plan.HostInterface, CancellationToken.None);
            throw;
        }
    }

    public Task<bool> DeleteAsync(string hostInterface, CancellationToken cancellationToken) =>
        _tools.DeleteLinkAsync(hostInterface, cancellationToken);
}
