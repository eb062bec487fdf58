using Capstan.Server;

namespace Capstan.ApiServer.Tests.Server;

public sealed class HeapTrimmerTests
{
    private const long MiB = 1L << 20;

    [Theory]
    [InlineData(200, 200, 0, false)] // no growth
    [InlineData(270, 200, 0, false)] // grown, but within 48 MiB + 15 %
    [InlineData(300, 200, 0, true)] // grown past it and quiet
    [InlineData(300, 200, 200, false)] // grown past it, but busy: wait for a quieter moment
    [InlineData(600, 200, 200, true)] // runaway growth: trim even while busy
    [InlineData(60, 0, 0, true)] // no full collection yet: the baseline is zero
    public void ShouldTrim_HeapLiveAndLoad_Decides(long heapMiB, long liveMiB, long allocatedMiB, bool expected) =>
        Assert.Equal(expected, HeapTrimmer.ShouldTrim(heapMiB * MiB, liveMiB * MiB, allocatedMiB * MiB));

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
