using Capstan.Api.Tables;

namespace Capstan.Api.Tests.Tables;

public sealed class DurationTests
{
    [Theory]
    [InlineData(-3, "<invalid>")]
    [InlineData(-2, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(1, "1s")]
    [InlineData(70, "70s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(121, "2m1s")]
    [InlineData(200, "3m20s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(659, "10m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 30 * 60, "3h30m")]
    [InlineData(8 * 3600 - 1, "7h59m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(51 * 3600, "2d3h")]
    [InlineData(8 * 86400 - 1, "7d23h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(45 * 86400, "45d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(740 * 86400, "2y10d")]
    [InlineData(8 * 365 * 86400 - 1, "7y364d")]
    [InlineData(8 * 365 * 86400, "8y")]
    [InlineData(20 * 365 * 86400 + 86400, "20y")]
    public void HumanShort_Seconds(long seconds, string expected)
    {
        Assert.Equal(expected, Duration.HumanShort(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void HumanShort_FractionsTruncate()
    {
        Assert.Equal("0s", Duration.HumanShort(TimeSpan.FromMilliseconds(-1500)));
        Assert.Equal("<invalid>", Duration.HumanShort(TimeSpan.FromMilliseconds(-2500)));
        Assert.Equal("1s", Duration.HumanShort(TimeSpan.FromMilliseconds(1999)));
    }

    [Fact]
    public void Since_NoTimestamp_Unknown()
    {
        Assert.Equal("<unknown>", Duration.Since(null, DateTimeOffset.UnixEpoch));
    }
}
