using Capstan.Controllers.Events;

namespace Capstan.Controllers.Tests.Events;

public sealed class EventCorrelatorTests
{
    [Fact]
    public void Correlate_TenthDistinctMessage_JoinsTheCombinedSeries()
    {
        var correlator = new EventCorrelator(new ManualTimeProvider());
        var results = Enumerable.Range(0, 12).Select(i => correlator.Correlate("rs-a", "Normal", "SuccessfulCreate", $"Created pod: p{i}")).ToList();

        Assert.Equal(9, results.Take(9).Select(r => r.SeriesKey).Distinct().Count());
        Assert.All(results.Take(9), r => Assert.DoesNotContain(EventCorrelator.CombinedPrefix, r.Message, StringComparison.Ordinal));
        Assert.Single(results.Skip(9).Select(r => r.SeriesKey).Distinct());
        Assert.Equal("(combined from similar events): Created pod: p11", results[11].Message);
    }

    [Fact]
    public void Correlate_SameMessage_SameSeries()
    {
        var correlator = new EventCorrelator(new ManualTimeProvider());

        var first = correlator.Correlate("rs-a", "Warning", "FailedCreate", "quota exceeded");
        var second = correlator.Correlate("rs-a", "Warning", "FailedCreate", "quota exceeded");

        Assert.Equal(first, second);
    }

    [Fact]
    public void Correlate_OtherObjectOrReason_CountedApart()
    {
        var correlator = new EventCorrelator(new ManualTimeProvider());
        for (var i = 0; i < 9; i++)
        {
            correlator.Correlate("rs-a", "Normal", "SuccessfulCreate", $"Created pod: p{i}");
        }

        Assert.Equal("Created pod: q", correlator.Correlate("rs-b", "Normal", "SuccessfulCreate", "Created pod: q").Message);
        Assert.Equal("Deleted pod: q", correlator.Correlate("rs-a", "Normal", "SuccessfulDelete", "Deleted pod: q").Message);
    }

    [Fact]
    public void Correlate_AfterTheWindow_StartsCountingAgain()
    {
        var time = new ManualTimeProvider();
        var correlator = new EventCorrelator(time);
        for (var i = 0; i < 9; i++)
        {
            correlator.Correlate("rs-a", "Normal", "SuccessfulCreate", $"Created pod: p{i}");
        }

        time.Advance(EventCorrelator.SimilarWindow + TimeSpan.FromSeconds(1));

        Assert.Equal("Created pod: late", correlator.Correlate("rs-a", "Normal", "SuccessfulCreate", "Created pod: late").Message);
    }
}
