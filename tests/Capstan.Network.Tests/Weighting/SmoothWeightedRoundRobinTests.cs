using Capstan.Network.Weighting;

namespace Capstan.Network.Tests.Weighting;

public sealed class SmoothWeightedRoundRobinTests
{
    [Theory]
    [InlineData(90, 10)]
    [InlineData(75, 25)]
    [InlineData(50, 50)]
    [InlineData(0, 100)]
    [InlineData(97, 3)]
    public void Next_EveryHundredPicks_ExactShares(int stable, int canary)
    {
        var picker = new SmoothWeightedRoundRobin([stable, canary]);
        for (var round = 0; round < 5; round++)
        {
            var counts = new int[2];
            for (var i = 0; i < 100; i++)
            {
                counts[picker.Next()]++;
            }

            Assert.Equal(stable, counts[0]);
            Assert.Equal(canary, counts[1]);
        }
    }

    [Fact]
    public void Next_NinetyTen_Interleaves()
    {
        var picker = new SmoothWeightedRoundRobin([90, 10]);
        var picks = Enumerable.Range(0, 20).Select(_ => picker.Next()).ToList();
        Assert.Equal(2, picks.Count(p => p == 1));
        Assert.NotEqual(picks.IndexOf(1), picks.LastIndexOf(1) - 1);
    }

    [Fact]
    public void Next_AllZero_TakesTurns()
    {
        var picker = new SmoothWeightedRoundRobin([0, 0]);
        Assert.Equal([0, 1, 0, 1], Enumerable.Range(0, 4).Select(_ => picker.Next()));
    }

    [Fact]
    public void Next_NoChoices_MinusOne() => Assert.Equal(-1, new SmoothWeightedRoundRobin([]).Next());
}
