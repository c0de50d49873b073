using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// Writes what sessions learn about nodes into the store: registrations, and state changes
/// only (READY after a late heartbeat, DOWN after silence), never one write per heartbeat.
/// </summary>
internal sealed class NodeStateWriter(IStore store)
{
    private const int ConflictRetries = 3;

    /// <summary>Creates or updates the node for a registration; returns the store version.</summary>
    public async Task<ulong> RegisterAsync(string nodeId, NodeDescription description, string address, CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await store.UpdateAsync(tx =>
                {
                    var existing = tx.Get<Node>(nodeId);
                    var node = NodeRegistration.Registered(existing, nodeId, description, address);
                    if (existing is null)
                    {
                        tx.Create(node);
                    }
                    else
                    {
                        tx.Update(node);
                    }
                }, token).ConfigureAwait(false);
            }
            catch (StoreConflictException) when (attempt < ConflictRetries)
            {
                // Another write to this node (a health decision) landed in between: read it again.
            }
        }
    }

    /// <summary>The node's state in this manager's copy (the leader's is current).</summary>
    public NodeState CurrentState(string nodeId) => NodeRegistration.StateOf(store.View(tx => tx.Get<Node>(nodeId)));

    /// <summary>Writes the state when the node exists and is in another state; false when nothing was written.</summary>
    public async Task<bool> ChangeStateAsync(string nodeId, NodeState state, string message, CancellationToken token)
    {
        if (store.View(tx => tx.Get<Node>(nodeId)) is not { } seen || NodeRegistration.StateOf(seen) == state)
        {
            return false;
        }

        try
        {
            await store.UpdateAsync(tx =>
            {
                // Conditional on the version read here: a registration that lands first wins.
                var node = tx.Get<Node>(nodeId) ?? throw new StoreConflictException($"node {nodeId} was removed");
                if (NodeRegistration.StateOf(node) == state)
                {
                    throw new StoreConflictException($"node {nodeId} is already {state}");
                }

                tx.Update(NodeRegistration.WithState(node, state, message));
            }, token).ConfigureAwait(false);
            return true;
        }
        catch (StoreConflictException)
        {
            return false;
        }
    }
}
