using Capstan.Server;

namespace Capstan.ApiServer.Tests.Server;

public sealed class HeapTrimmerTests
{
    private const long MiB = 1L << 20;

    [Theory]
    [InlineData(200, 200, false)] // no growth
    [InlineData(270, 200, false)] // grown, but within 48 MiB + 15 %
    [InlineData(300, 200, true)] // grown past it
    [InlineData(40, 0, false)] // no full collection yet: the baseline is zero
    [InlineData(60, 0, true)]
    public void ShouldTrim_HeapAndLive_Decides(long heapMiB, long liveMiB, bool expected) =>
        Assert.Equal(expected, HeapTrimmer.ShouldTrim(heapMiB * MiB, liveMiB * MiB));

    [Theory]
    [InlineData(45, 16, true)] // a burst's promoted garbage, now quiet
    [InlineData(45, 200, false)] // still in the burst: the growth is in-flight work
    [InlineData(10, 16, false)] // quiet, but the old generations barely grew
    [InlineData(-5, 0, false)] // a background collection shrank them
    public void ShouldTrimWhenQuiet_GrowthAndAllocationRate_Decides(long growthMiB, long allocatedMiBPerSecond, bool expected) =>
        Assert.Equal(expected, HeapTrimmer.ShouldTrimWhenQuiet(growthMiB * MiB, allocatedMiBPerSecond * MiB));

    [Fact]
    public async Task Acquire_Twice_SharesOneTrimmerUntilBothLeave()
    {
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var first = HeapTrimmer.Acquire(logger);
        var second = HeapTrimmer.Acquire(logger);

        await first.DisposeAsync();
        await first.DisposeAsync();
        await second.DisposeAsync();
    }
}
