using System.Text.Json.Nodes;
using Capstan.Controllers.Scaling;

namespace Capstan.Controllers.Tests.Scaling;

public sealed class IntOrPercentScalingTests
{
    [Theory]
    [InlineData("25%", 10, true, 3)]
    [InlineData("25%", 10, false, 2)]
    [InlineData("50%", 3, true, 2)]
    [InlineData("50%", 3, false, 1)]
    [InlineData("100%", 7, false, 7)]
    public void Scale_Percent_RoundsAsAsked(string value, int total, bool roundUp, int expected) =>
        Assert.Equal(expected, IntOrPercentScaling.Scale(JsonValue.Create(value), total, roundUp));

    [Fact]
    public void Scale_Integer_IsTakenAsIs() => Assert.Equal(4, IntOrPercentScaling.Scale(JsonValue.Create(4), 100, roundUp: false));

    [Fact]
    public void Scale_Absent_GivesFallback() => Assert.Equal(9, IntOrPercentScaling.Scale(null, 100, roundUp: false, fallback: 9));
}
