using Capstan.Agent.Volumes.Config;

namespace Capstan.Agent.Tests.Volumes.Config;

public sealed class ServiceAccountTokenCacheTests
{
    private static readonly DateTimeOffset Issued = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(3607, 2885, false)] // just under 80 % of an hour and 7 s
    [InlineData(3607, 2886, true)]
    [InlineData(600, 479, false)]
    [InlineData(600, 480, true)]
    [InlineData(86400 * 7, 86399, false)] // a week-long token is still renewed after a day
    [InlineData(86400 * 7, 86400, true)]
    public void NeedsRefresh_At80PercentOrADay(long lifetimeSeconds, long ageSeconds, bool expected)
    {
        var entry = new ServiceAccountTokenCache.Entry("t", Issued, Issued.AddSeconds(lifetimeSeconds));

        Assert.Equal(expected, ServiceAccountTokenCache.NeedsRefresh(entry, Issued.AddSeconds(ageSeconds)));
    }
}
