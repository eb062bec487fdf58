using Capstan.Agent.Pods;

namespace Capstan.Agent.Tests.Pods;

public sealed class ContainerBackOffTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryRestart_CrashLoop_DoublesFrom10sTo300s()
    {
        var backOff = new ContainerBackOff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(300), TimeSpan.FromMinutes(10));
        var now = T0;

        // First crash: restarts at once.
        Assert.True(backOff.TryRestart("c", now, now, now, out _, out _));
        var waits = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            // The container runs 1 s and crashes again.
            var started = now;
            var finished = now.AddSeconds(1);
            Assert.False(backOff.TryRestart("c", started, finished, finished, out var delay, out var until));
            Assert.Equal(finished + delay, until);
            waits.Add(delay.TotalSeconds);
            now = until;
            Assert.True(backOff.TryRestart("c", started, finished, now, out _, out _));
        }

        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], waits);
    }

    [Fact]
    public void TryRestart_AfterLongRun_ResetsToBase()
    {
        var backOff = new ContainerBackOff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(300), TimeSpan.FromMinutes(10));
        Assert.True(backOff.TryRestart("c", T0, T0, T0, out _, out _));
        Assert.True(backOff.TryRestart("c", T0, T0.AddSeconds(1), T0.AddSeconds(20), out _, out _));

        // It then ran 11 minutes: restarts at once, and the next crash waits the base again.
        var finished = T0.AddMinutes(11);
        Assert.True(backOff.TryRestart("c", T0.AddSeconds(20), finished, finished, out _, out _));
        Assert.False(backOff.TryRestart("c", finished, finished.AddSeconds(1), finished.AddSeconds(1), out var delay, out _));
        Assert.Equal(TimeSpan.FromSeconds(10), delay);
    }

    [Theory]
    [InlineData(10, "10s")]
    [InlineData(80, "1m20s")]
    [InlineData(160, "2m40s")]
    [InlineData(300, "5m0s")]
    [InlineData(0.25, "250ms")]
    public void Format_GoDuration(double seconds, string expected) => Assert.Equal(expected, ContainerBackOff.Format(TimeSpan.FromSeconds(seconds)));
}
