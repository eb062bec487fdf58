using Capstan.Agent.Probes;

namespace Capstan.Agent.Tests.Probes;

public sealed class ProbeThresholdTests
{
    [Fact]
    public void Record_FailuresBelowThreshold_KeepResult()
    {
        var t = new ProbeThreshold(1, 3, ProbeResult.Success);
        Assert.False(t.Record(ProbeResult.Failure));
        Assert.False(t.Record(ProbeResult.Failure));
        Assert.Equal(ProbeResult.Success, t.Current);
        Assert.True(t.Record(ProbeResult.Failure));
        Assert.Equal(ProbeResult.Failure, t.Current);
    }

    [Fact]
    public void Record_SuccessInterruptsFailures_CountStartsOver()
    {
        var t = new ProbeThreshold(1, 2, ProbeResult.Success);
        t.Record(ProbeResult.Failure);
        t.Record(ProbeResult.Success);
        t.Record(ProbeResult.Failure);
        Assert.Equal(ProbeResult.Success, t.Current);
        t.Record(ProbeResult.Failure);
        Assert.Equal(ProbeResult.Failure, t.Current);
    }

    [Fact]
    public void Record_SuccessThreshold_NeedsConsecutiveSuccesses()
    {
        var t = new ProbeThreshold(2, 1, ProbeResult.Failure);
        Assert.False(t.Record(ProbeResult.Success));
        Assert.Equal(ProbeResult.Failure, t.Current);
        Assert.True(t.Record(ProbeResult.Success));
        Assert.Equal(ProbeResult.Success, t.Current);
        Assert.True(t.Record(ProbeResult.Failure));
        Assert.Equal(ProbeResult.Failure, t.Current);
    }
}
