using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Tests.Ca;

public sealed class CaRotationTests
{
    private readonly TestCluster _cluster = new();

    [Fact]
    public void A_stable_CA_trusts_and_signs_with_one_root()
    {
        var state = CaRotation.Stable(_cluster.Ca);

        Assert.Equal(CaRotationPhase.Stable, state.Phase);
        Assert.Equal([_cluster.Ca.Digest], state.Trust.Digests);
        Assert.Same(_cluster.Ca, state.SigningRoot);
        Assert.Null(state.RetiringRoot);
    }

    [Fact]
    public void Rotation_trusts_both_roots_signs_with_the_new_one_and_drops_the_old_once_every_node_moved()
    {
        var newRoot = RootCa.Create(_cluster.ClusterId, TimeProvider.System);

        var rotating = CaRotation.Stable(_cluster.Ca).Start(newRoot, ["m1", "w1", "w2"]);
        Assert.Equal(CaRotationPhase.Rotating, rotating.Phase);
        Assert.Equal([_cluster.Ca.Digest, newRoot.Digest], rotating.Trust.Digests);
        Assert.Same(newRoot, rotating.SigningRoot);
        Assert.Same(_cluster.Ca, rotating.RetiringRoot);

        var afterM1 = rotating.CertificateIssued("m1", newRoot.Digest);
        Assert.Equal(["w1", "w2"], afterM1.NodesOnRetiringRoot);
        var afterW2Left = afterM1.NodeRemoved("w2");
        Assert.Equal(["w1"], afterW2Left.NodesOnRetiringRoot);
        Assert.Equal(CaRotationPhase.Rotating, afterW2Left.Phase);

        var done = afterW2Left.CertificateIssued("w1", newRoot.Digest);

        Assert.Equal(CaRotationPhase.Stable, done.Phase);
        Assert.Equal([newRoot.Digest], done.Trust.Digests);
        Assert.Empty(done.NodesOnRetiringRoot);
    }

    [Fact]
    public void A_certificate_from_the_old_root_needs_replacing_and_one_from_the_new_does_not()
    {
        var newRoot = RootCa.Create(_cluster.ClusterId, TimeProvider.System);
        var rotating = CaRotation.Stable(_cluster.Ca).Start(newRoot, ["w1"]);

        var old = _cluster.Node("w1", NodeRole.Worker).Certificate;
        var fresh = _cluster.Node("w1", NodeRole.Worker, signer: rotating.SigningRoot).Certificate;

        Assert.True(rotating.NeedsNewCertificate(old));
        Assert.False(rotating.NeedsNewCertificate(fresh));
        Assert.False(CaRotation.Stable(_cluster.Ca).NeedsNewCertificate(old));
    }

    [Fact]
    public void Wrong_steps_are_refused_with_the_reason()
    {
        var newRoot = RootCa.Create(_cluster.ClusterId, TimeProvider.System);
        var rotating = CaRotation.Stable(_cluster.Ca).Start(newRoot, ["w1"]);

        var twice = Assert.Throws<InvalidOperationException>(() => rotating.Start(RootCa.Create(_cluster.ClusterId, TimeProvider.System), ["w1"]));
        var oldSigner = Assert.Throws<ArgumentException>(() => rotating.CertificateIssued("w1", _cluster.Ca.Digest));
        var foreign = Assert.Throws<ArgumentException>(() => CaRotation.Stable(_cluster.Ca).Start(RootCa.Create("elsewhere", TimeProvider.System), ["w1"]));
        var same = Assert.Throws<ArgumentException>(() => CaRotation.Stable(_cluster.Ca).Start(_cluster.Ca, ["w1"]));

        Assert.Equal($"a CA rotation to root {newRoot.Digest} is in progress (1 node(s) still on the old root: w1); wait until it finishes", twice.Message);
        Assert.Equal($"node w1's certificate is from root {_cluster.Ca.Digest}; only the signing root {newRoot.Digest} issues certificates now", oldSigner.Message);
        Assert.Contains($"belongs to cluster elsewhere, not to this cluster {_cluster.ClusterId}", foreign.Message, StringComparison.Ordinal);
        Assert.Contains("is already the cluster's CA", same.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_store_form_round_trips_through_PEM_strings()
    {
        var newRoot = RootCa.Create(_cluster.ClusterId, TimeProvider.System);
        var rotating = CaRotation.Stable(_cluster.Ca).Start(newRoot, ["w2", "w1"]);

        var back = CaRotation.FromParts(
            RootCa.FromPem(rotating.SigningRoot.CertificatePem, rotating.SigningRoot.ExportKeyPem()),
            RootCa.FromPem(rotating.RetiringRoot!.CertificatePem, rotating.RetiringRoot.ExportKeyPem()),
            rotating.NodesOnRetiringRoot);

        Assert.Equal(rotating.Trust.Digests, back.Trust.Digests);
        Assert.Equal(["w1", "w2"], back.NodesOnRetiringRoot);
        Assert.Equal(CaRotationPhase.Stable, CaRotation.FromParts(newRoot, _cluster.Ca, []).Phase);
    }
}
