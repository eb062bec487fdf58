using System.Net;
using Capstan.Network.Catalog;
using Capstan.Network.Proxy;

namespace Capstan.Network.Tests.Proxy;

public sealed class CanarySplitTests
{
    private static Backend B(int last, bool canary) => new(IPAddress.Parse($"127.0.0.{last}"), 8080, true, true, false, null) { Canary = canary };

    [Fact]
    public void Next_QuarterToCanary_ExactSharesAndRoundRobinInsideGroups()
    {
        Backend[] backends = [B(1, false), B(2, true), B(3, false), B(4, false)];
        var split = CanarySplit.Create(backends, 25)!;
        var counts = new int[backends.Length];
        for (var i = 0; i < 400; i++)
        {
            counts[split.Next()]++;
        }

        Assert.Equal(100, counts[1]);
        Assert.Equal([100, 100, 100], new[] { counts[0], counts[2], counts[3] });
    }

    [Fact]
    public void Create_NoWeight_NoSplit() => Assert.Null(CanarySplit.Create([B(1, false), B(2, true)], null));

    [Fact]
    public void Create_OnlyOneGroup_NoSplit()
    {
        Assert.Null(CanarySplit.Create([B(1, false), B(2, false)], 50));
        Assert.Null(CanarySplit.Create([B(1, true)], 50));
    }

    [Fact]
    public void Next_WeightZero_NeverCanary()
    {
        var split = CanarySplit.Create([B(1, false), B(2, true)], 0)!;
        Assert.All(Enumerable.Range(0, 50).Select(_ => split.Next()), i => Assert.Equal(0, i));
    }

    [Fact]
    public void SameAs_CanaryFlagOrWeightChanged_False()
    {
        Backend[] backends = [B(1, false), B(2, true)];
        var choice = new BackendChoice(backends, [], 10);
        Assert.True(choice.SameAs([B(1, false), B(2, true)], 10));
        Assert.False(choice.SameAs([B(1, false), B(2, false)], 10));
        Assert.False(choice.SameAs(backends, 25));
    }
}
