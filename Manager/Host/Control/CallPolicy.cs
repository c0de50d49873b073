namespace ClusterKit.Manager.Host.Control;

/// <summary>Who called: the root-only local socket, a node certificate of some role, or nobody known.</summary>
public enum CallerKind
{
    Anonymous,
    LocalSocket,
    Worker,
    Manager,
    Admin,
}

/// <summary>Which callers each control-plane method admits (pure; the interceptor enforces it).</summary>
public static class CallPolicy
{
    private static readonly CallerKind[] Operators = [CallerKind.LocalSocket, CallerKind.Admin, CallerKind.Manager];

    /// <summary>The callers <paramref name="method"/> (a gRPC full method name, "/package.Service/Method") admits.</summary>
    public static IReadOnlyCollection<CallerKind> AllowedCallers(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var (service, name) = Split(method);
        return service switch
        {
            // They act on this host's manager daemon: root on this host only.
            "clusterkit.manager.v1.ClusterService" when name is "Init" or "Join" => [CallerKind.LocalSocket],

            // An admin certificate is the operator's key to every manager: only root on a manager's
            // host or an operator who holds one already may get one; a manager process never needs it.
            "clusterkit.manager.v1.ClusterService" when name is "IssueAdminCertificate" => [CallerKind.LocalSocket, CallerKind.Admin],

            // Autolock (ADR 0011): unlocking is done by root on the manager's host, like `docker swarm unlock`;
            // the unlock key opens every manager's key file, so only an operator may read or rotate it.
            "clusterkit.manager.v1.ClusterService" when name is "Unlock" => [CallerKind.LocalSocket],
            "clusterkit.manager.v1.ClusterService" when name is "GetUnlockKey" => [CallerKind.LocalSocket, CallerKind.Admin],

            // A joiner has no certificate yet: the join token is its proof.
            "clusterkit.manager.v1.NodeCa" when name is "GetRootCertificates" or "TokenRole" or "IssueNodeCertificate"
                => [CallerKind.Anonymous, CallerKind.LocalSocket, CallerKind.Worker, CallerKind.Manager, CallerKind.Admin],
            "clusterkit.manager.v1.NodeCa" => [CallerKind.Worker, CallerKind.Manager, CallerKind.Admin],

            "clusterkit.manager.v1.MembershipService" => [CallerKind.Manager],

            // Registry bytes (ADR 0016): a manager copying a blob from another; never a worker or an operator,
            // who read blobs through the registry API and its access decision.
            "clusterkit.manager.v1.RegistryPeer" => [CallerKind.Manager],
            "clusterkit.manager.v1.RegistryMaintenanceService" => [CallerKind.LocalSocket, CallerKind.Admin],
            // Registry credentials and push tokens (ADR 0016): what an admin may do in the registry, no more.
            "clusterkit.manager.v1.RegistryAccessService" => [CallerKind.LocalSocket, CallerKind.Admin],
            "clusterkit.manager.v1.Dispatcher" => [CallerKind.Worker, CallerKind.Manager],
            // A follower's forwarded writes: manager to manager only.
            "clusterkit.manager.v1.StoreService" when name is "ProposeBatch" => [CallerKind.Manager],
            "clusterkit.manager.v1.StoreService" => Operators,
            "clusterkit.manager.v1.ClusterService" or "clusterkit.manager.v1.NodeService" => Operators,

            // The cluster registry's contents (`ck registry`): operators and managers read; removing is an
            // operator's act (an admin certificate or root on a manager's host), never a manager's. A method not
            // named here (garbage collection, when it lands) is closed until it gets its own rule.
            "clusterkit.manager.v1.RegistryService" when name is "List" or "Inspect" => Operators,
            "clusterkit.manager.v1.RegistryService" when name is "Remove" => [CallerKind.LocalSocket, CallerKind.Admin],

            // The etcd API (ADR 0019): an operator's key-value access, read and write, as the control API. Application
            // tokens bound to a key prefix are a later step; until then no worker or manager certificate gets in.
            "etcdserverpb.KV" or "etcdserverpb.Watch" or "etcdserverpb.Lease" or "etcdserverpb.Maintenance" or "etcdserverpb.Cluster" or "etcdserverpb.Auth"
                => [CallerKind.LocalSocket, CallerKind.Admin],

            // Anything not listed is closed: a new service must be given a rule here.
            _ => [],
        };
    }

    public static string Describe(IReadOnlyCollection<CallerKind> callers) => callers.Count == 0
        ? "nobody (the method has no access rule)"
        : string.Join(", ", callers.Select(c => c switch
        {
            CallerKind.LocalSocket => "root on the manager's host (local socket)",
            CallerKind.Anonymous => "anyone",
            CallerKind.Admin => "an admin certificate",
            CallerKind.Manager => "a manager certificate",
            CallerKind.Worker => "a worker certificate",
            _ => c.ToString(),
        }));

    private static (string Service, string Method) Split(string method)
    {
        var trimmed = method.TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (trimmed, string.Empty) : (trimmed[..slash], trimmed[(slash + 1)..]);
    }
}
