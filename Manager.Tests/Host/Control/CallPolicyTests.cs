using ClusterKit.Manager.Host.Control;

namespace ClusterKit.Manager.Tests.Host.Control;

public sealed class CallPolicyTests
{
    private const string IssueAdmin = "/clusterkit.manager.v1.ClusterService/IssueAdminCertificate";

    [Fact]
    public void An_admin_certificate_is_issued_over_the_local_socket_and_to_an_admin_only()
    {
        var allowed = CallPolicy.AllowedCallers(IssueAdmin);

        Assert.Equal([CallerKind.LocalSocket, CallerKind.Admin], allowed.Order());
        Assert.DoesNotContain(CallerKind.Worker, allowed);
        Assert.DoesNotContain(CallerKind.Anonymous, allowed);
        Assert.DoesNotContain(CallerKind.Manager, allowed);
    }

    [Fact]
    public void The_other_cluster_methods_still_admit_every_operator()
    {
        foreach (var method in (string[])["Inspect", "RotateCa", "GetJoinToken"])
        {
            Assert.Equal(
                [CallerKind.LocalSocket, CallerKind.Manager, CallerKind.Admin],
                CallPolicy.AllowedCallers("/clusterkit.manager.v1.ClusterService/" + method).Order());
        }

        Assert.Equal([CallerKind.LocalSocket], CallPolicy.AllowedCallers("/clusterkit.manager.v1.ClusterService/Init"));
    }

    [Fact]
    public void Registry_credentials_and_push_tokens_are_for_admins_and_the_local_socket_only()
    {
        foreach (var method in (string[])["CreateCredential", "ListCredentials", "RevokeCredential", "IssueToken"])
        {
            Assert.Equal([CallerKind.LocalSocket, CallerKind.Admin], CallPolicy.AllowedCallers("/clusterkit.manager.v1.RegistryAccessService/" + method).Order());
        }
    }

    [Theory]
    [InlineData("/etcdserverpb.KV/Put")]
    [InlineData("/etcdserverpb.KV/Range")]
    [InlineData("/etcdserverpb.Watch/Watch")]
    [InlineData("/etcdserverpb.Lease/LeaseGrant")]
    [InlineData("/etcdserverpb.Maintenance/Status")]
    [InlineData("/etcdserverpb.Cluster/MemberList")]
    public void The_etcd_api_admits_an_admin_certificate_and_the_local_socket_only(string method)
    {
        Assert.Equal([CallerKind.LocalSocket, CallerKind.Admin], CallPolicy.AllowedCallers(method).Order());
    }

    [Fact]
    public void A_forwarded_batch_of_writes_is_taken_from_managers_only()
    {
        Assert.Equal([CallerKind.Manager], CallPolicy.AllowedCallers("/clusterkit.manager.v1.StoreService/ProposeBatch"));
        Assert.Equal(
            [CallerKind.LocalSocket, CallerKind.Manager, CallerKind.Admin],
            CallPolicy.AllowedCallers("/clusterkit.manager.v1.StoreService/Propose").Order());
    }

    [Theory]
    [InlineData("List")]
    [InlineData("Inspect")]
    public void The_registry_s_contents_are_read_by_operators_and_managers_not_workers(string method)
    {
        var allowed = CallPolicy.AllowedCallers("/clusterkit.manager.v1.RegistryService/" + method);

        Assert.Equal([CallerKind.LocalSocket, CallerKind.Manager, CallerKind.Admin], allowed.Order());
    }

    [Fact]
    public void Registry_contents_are_removed_by_an_admin_or_root_on_a_manager_only()
    {
        var allowed = CallPolicy.AllowedCallers("/clusterkit.manager.v1.RegistryService/Remove");

        Assert.Equal([CallerKind.LocalSocket, CallerKind.Admin], allowed.Order());
        Assert.DoesNotContain(CallerKind.Manager, allowed);
        Assert.DoesNotContain(CallerKind.Worker, allowed);
        Assert.Empty(CallPolicy.AllowedCallers("/clusterkit.manager.v1.RegistryService/NotAMethodYet"));
    }

    [Fact]
    public void Blob_bytes_are_fetched_by_managers_only_and_garbage_collection_is_run_by_operators_only()
    {
        Assert.Equal([CallerKind.Manager], CallPolicy.AllowedCallers("/clusterkit.manager.v1.RegistryPeer/FetchBlob"));
        Assert.Equal(
            [CallerKind.LocalSocket, CallerKind.Admin],
            CallPolicy.AllowedCallers("/clusterkit.manager.v1.RegistryMaintenanceService/CollectGarbage").Order());
    }

    [Fact]
    public void A_method_without_a_rule_is_closed_and_says_so()
    {
        var allowed = CallPolicy.AllowedCallers("/clusterkit.manager.v1.Unknown/Anything");

        Assert.Empty(allowed);
        Assert.Equal("nobody (the method has no access rule)", CallPolicy.Describe(allowed));
    }
}
