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
