using Capstan.Agent.Eviction;

namespace Capstan.Agent.Tests.Eviction;

public sealed class EvictionThresholdsTests
{
    [Fact]
    public void Parse_Default_HasKubeletsFourThresholds()
    {
        var thresholds = EvictionThresholds.Parse(EvictionThresholds.Default);

        Assert.Equal(
            ["memory.available<100Mi", "nodefs.available<10%", "nodefs.inodesFree<5%", "imagefs.available<15%"],
            thresholds.Select(t => t.ToString()));
    }

    [Fact]
    public void ValueFor_Quantity_IsBytes() =>
        Assert.Equal(100L << 20, EvictionThresholds.Parse("memory.available<100Mi")[0].ValueFor(1L << 40));

    [Fact]
    public void ValueFor_Percentage_IsShareOfCapacity() =>
        Assert.Equal(100, EvictionThresholds.Parse("nodefs.available<10%")[0].ValueFor(1000));

    [Fact]
    public void IsMet_BelowThreshold_True()
    {
        var threshold = EvictionThresholds.Parse("memory.available<1Gi")[0];

        Assert.True(threshold.IsMet(new SignalObservation(512L << 20, 8L << 30)));
        Assert.False(threshold.IsMet(new SignalObservation(1L << 30, 8L << 30)));
    }

    [Fact]
    public void Parse_Empty_None() => Assert.Empty(EvictionThresholds.Parse(""));

    [Theory]
    [InlineData("memory.available>100Mi")]
    [InlineData("memory.free<100Mi")]
    [InlineData("memory.available<lots")]
    [InlineData("nodefs.available<120%")]
    [InlineData("memory.available<1Mi,memory.available<2Mi")]
    public void Parse_Invalid_Throws(string text) => Assert.Throws<FormatException>(() => EvictionThresholds.Parse(text));
}
