using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Nodes, keyed by node id.</summary>
public static class NodeTable
{
    public static StoreTable<Node> Descriptor { get; } = new()
    {
        Table = Table.Nodes,
        Name = "nodes",
        EnvelopeCase = StoreObject.ObjectOneofCase.Node,
        Key = static n => n.Id,
        NewWithKeyOf = static id => new Node { Id = id },
        Version = static n => n.Version,
        SetVersion = static (n, v) => n.Version = v,
        WrapRow = static n => new StoreObject { Node = n },
        UnwrapRow = static o => o.Node,
        SnapshotRows = static s => s.Nodes,
    };
}
