using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class ScoringStrategyTests
{
    // One resource, 1000 allocatable.
    [Theory]
    [InlineData(ScoringStrategy.LeastAllocated, 250, 75)]
    [InlineData(ScoringStrategy.LeastAllocated, 1500, 0)]
    [InlineData(ScoringStrategy.MostAllocated, 250, 25)]
    [InlineData(ScoringStrategy.MostAllocated, 1500, 100)]
    [InlineData(ScoringStrategy.RequestedToCapacityRatio, 500, 50)]
    [InlineData(ScoringStrategy.RequestedToCapacityRatio, 1000, 100)]
    public void ResourceScore_Table(string type, long requested, long expected)
    {
        var strategy = new ScoringStrategy(type, ScoringStrategy.DefaultResources, [(0, 0), (100, 10)]);

        Assert.Equal(expected, strategy.ResourceScore(requested, 1000));
    }

    [Fact]
    public void ResourceScore_ShapeIsPiecewiseLinear()
    {
        // {0→10, 50→0, 100→10}: 25% → 5 → 50; 75% → 5 → 50; 50% → 0.
        var strategy = new ScoringStrategy(ScoringStrategy.RequestedToCapacityRatio, ScoringStrategy.DefaultResources, [(0, 10), (50, 0), (100, 10)]);

        Assert.Equal([50L, 0L, 50L], new long[] { strategy.ResourceScore(250, 1000), strategy.ResourceScore(500, 1000), strategy.ResourceScore(750, 1000) });
    }

    [Fact]
    public void StrategyScore_WeighsResources()
    {
        // cpu 3/4 used → MostAllocated 75 (weight 3); memory 2/8 → 25 (weight 1): (225 + 25) / 4 = 62.
        var node = NodeInfo("n", cpu: "4", memory: "8Gi");
        node.AddPod(Info("2", "1Gi", "other"));
        var strategy = new ScoringStrategy(ScoringStrategy.MostAllocated, [("cpu", 3), ("memory", 1)], []);

        Assert.Equal(62, NodeResourcesFit.StrategyScore(strategy, Info("1", "1Gi"), node));
    }

    [Fact]
    public void BalancedAllocation_PenalisesUnevenUse()
    {
        // cpu 2/4 = 0.5, memory 7/10 = 0.7: deviation 0.1 → 90.
        var node = NodeInfo("n", cpu: "4", memory: "10Gi");

        Assert.Equal(90, NodeResourcesBalancedAllocation.Balanced(Info("2", "7Gi"), node));
    }
}
