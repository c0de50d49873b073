using ClusterKit.Manager.Scheduling.Scoring;

namespace ClusterKit.Scheduler.Tests.Scoring;

public sealed class BestFitTests
{
    [Fact]
    public void Bin_pack_scores_an_empty_node_0_and_a_full_node_18()
    {
        Assert.Equal(0.0, BestFit.ScoreFitBinPack(1.0, 1.0), 9);
        Assert.Equal(18.0, BestFit.ScoreFitBinPack(0.0, 0.0), 9);
        Assert.Equal(20.0 - (Math.Pow(10, 0.5) + Math.Pow(10, 0.25)), BestFit.ScoreFitBinPack(0.5, 0.25), 9);
    }

    [Fact]
    public void Spread_is_the_mirror_of_bin_pack()
    {
        foreach (var (c, m) in new[] { (0.0, 0.0), (0.3, 0.9), (1.0, 1.0), (0.5, 0.5) })
        {
            Assert.Equal(BestFit.MaxScore, BestFit.ScoreFitBinPack(c, m) + BestFit.ScoreFitSpread(c, m), 9);
        }
    }

    [Fact]
    public void Bin_pack_prefers_the_node_left_fuller_on_either_resource()
    {
        Assert.True(BestFit.ScoreFitBinPack(0.1, 0.5) > BestFit.ScoreFitBinPack(0.3, 0.5));
        Assert.True(BestFit.ScoreFitBinPack(0.5, 0.1) > BestFit.ScoreFitBinPack(0.5, 0.3));
        Assert.True(BestFit.ScoreFitSpread(0.3, 0.5) > BestFit.ScoreFitSpread(0.1, 0.5));
    }

    [Fact]
    public void Free_fraction_is_clamped_and_handles_nodes_without_capacity()
    {
        Assert.Equal(0.75, BestFit.FreeFraction(4, 1), 9);
        Assert.Equal(0.0, BestFit.FreeFraction(4, 5), 9);
        Assert.Equal(0.0, BestFit.FreeFraction(0, 0), 9);
    }

    [Fact]
    public void Anti_affinity_grows_with_collisions_relative_to_service_size()
    {
        Assert.Equal(0.0, ServiceAntiAffinity.Penalty(0, 3));
        Assert.Equal(-2.0 / 3, ServiceAntiAffinity.Penalty(1, 3), 9);
        Assert.Equal(-1.0, ServiceAntiAffinity.Penalty(5, 3), 9);
        Assert.Equal(-2.0 / 1000, ServiceAntiAffinity.Penalty(1, 1000), 9);
    }
}
