using ClusterKit.Manager.Host.Control;
using ClusterKit.Shared.Identity;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Host.Control;

public sealed class AdminCertificatesTests
{
    [Fact]
    public void Root_on_a_manager_host_gets_a_new_admin_identity_each_time()
    {
        var local = new Caller(CallerKind.LocalSocket, null);

        var first = AdminCertificates.IdentityFor(local, "c1");
        var second = AdminCertificates.IdentityFor(local, "c1");

        Assert.Equal(NodeRole.Admin, first.Role);
        Assert.Equal("c1", first.ClusterId);
        Assert.StartsWith(AdminCertificates.IdPrefix, first.NodeId, StringComparison.Ordinal);
        Assert.NotEqual(first.NodeId, second.NodeId);
    }

    [Fact]
    public void An_admin_gets_its_own_identity_again()
    {
        var admin = new Caller(CallerKind.Admin, new NodeIdentity("c1", "admin-7", NodeRole.Admin));

        Assert.Equal(new NodeIdentity("c1", "admin-7", NodeRole.Admin), AdminCertificates.IdentityFor(admin, "c1"));
    }

    [Fact]
    public void Workers_managers_and_anonymous_callers_are_refused()
    {
        var worker = Assert.Throws<RpcException>(() => AdminCertificates.IdentityFor(new Caller(CallerKind.Worker, new NodeIdentity("c1", "w1", NodeRole.Worker)), "c1"));
        var manager = Assert.Throws<RpcException>(() => AdminCertificates.IdentityFor(new Caller(CallerKind.Manager, new NodeIdentity("c1", "m1", NodeRole.Manager)), "c1"));
        var anonymous = Assert.Throws<RpcException>(() => AdminCertificates.IdentityFor(new Caller(CallerKind.Anonymous, null), "c1"));

        Assert.Equal(StatusCode.PermissionDenied, worker.StatusCode);
        Assert.Equal("worker w1 of cluster c1 may not get an admin certificate; allowed: root on a manager's host (local socket) or an admin certificate", worker.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, manager.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.StartsWith("an anonymous caller may not get an admin certificate", anonymous.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_clusters_admin_is_refused_naming_both_clusters()
    {
        var foreign = new Caller(CallerKind.Admin, new NodeIdentity("c2", "admin-1", NodeRole.Admin));

        var error = Assert.Throws<RpcException>(() => AdminCertificates.IdentityFor(foreign, "c1"));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("admin certificate admin-1 is of cluster c2, not of this cluster c1", error.Status.Detail);
    }
}
