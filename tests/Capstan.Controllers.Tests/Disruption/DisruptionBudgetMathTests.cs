using System.Text.Json.Nodes;
using Capstan.Controllers.Disruption;

namespace Capstan.Controllers.Tests.Disruption;

public sealed class DisruptionBudgetMathTests
{
    [Fact]
    public void Desired_MinAvailableInt_CountsPods()
    {
        Assert.Equal((4, 2), DisruptionBudgetMath.Desired(JsonValue.Create(2), null, podCount: 4, scale: 10));
    }

    [Theory]
    [InlineData("50%", 10, 5)]
    [InlineData("50%", 3, 2)]
    [InlineData("100%", 3, 3)]
    public void Desired_MinAvailablePercent_OfScaleRoundedUp(string minAvailable, int scale, int desired)
    {
        Assert.Equal((scale, desired), DisruptionBudgetMath.Desired(JsonValue.Create(minAvailable), null, podCount: 1, scale: scale));
    }

    [Theory]
    [InlineData(1, 3, 2)]
    [InlineData(5, 3, 0)]
    public void Desired_MaxUnavailableInt_ScaleMinusIt(int maxUnavailable, int scale, int desired)
    {
        Assert.Equal((scale, desired), DisruptionBudgetMath.Desired(null, JsonValue.Create(maxUnavailable), podCount: scale, scale: scale));
    }

    [Fact]
    public void Desired_MaxUnavailablePercent_RoundsUnavailableUp()
    {
        // 25% of 10 is 2.5: up to 3 may be unavailable, so 7 must stay healthy.
        Assert.Equal((10, 7), DisruptionBudgetMath.Desired(null, JsonValue.Create("25%"), podCount: 10, scale: 10));
    }

    [Fact]
    public void Desired_UnknownScale_PodCountStandsIn()
    {
        Assert.Equal((4, 2), DisruptionBudgetMath.Desired(JsonValue.Create("50%"), null, podCount: 4, scale: null));
    }

    [Theory]
    [InlineData(3, 2, 3, 1)]
    [InlineData(2, 2, 3, 0)]
    [InlineData(1, 2, 3, 0)]
    [InlineData(3, 0, 0, 0)]
    public void DisruptionsAllowed_Cases(int healthy, int desired, int expected, int allowed)
    {
        Assert.Equal(allowed, DisruptionBudgetMath.DisruptionsAllowed(healthy, desired, expected));
    }
}
