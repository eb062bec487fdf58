using System.Text.Json.Nodes;
using Capstan.Controllers.Deployment;

namespace Capstan.Controllers.Tests.Deployment;

public sealed class RolloutFencepostTests
{
    [Theory]
    [InlineData(10, "25%", "25%", 3, 2)] // 2.5 surge rounds up, 2.5 unavailable rounds down
    [InlineData(1, "25%", "25%", 1, 0)]
    [InlineData(4, "0", "0", 0, 1)] // both zero would stall: unavailable becomes 1
    [InlineData(4, "0%", "10%", 0, 1)] // 0.4 rounds down to 0, then the fencepost
    [InlineData(3, "1", "100%", 1, 3)]
    [InlineData(3, "1", "5", 1, 3)] // unavailable capped at replicas
    [InlineData(0, "25%", "25%", 0, 0)]
    public void Rollout_RollingUpdate_SurgeUpUnavailableDown(int replicas, string surge, string unavailable, int expectedSurge, int expectedUnavailable)
    {
        var rollout = new Rollout(Deployment(replicas, new JsonObject
        {
            ["type"] = "RollingUpdate",
            ["rollingUpdate"] = new JsonObject { ["maxSurge"] = Value(surge), ["maxUnavailable"] = Value(unavailable) },
        }), []);

        Assert.Equal((expectedSurge, expectedUnavailable), (rollout.MaxSurge, rollout.MaxUnavailable));
    }

    [Fact]
    public void Rollout_DefaultStrategy_TwentyFivePercent()
    {
        var rollout = new Rollout(Deployment(10, null), []);

        Assert.Equal((3, 2), (rollout.MaxSurge, rollout.MaxUnavailable));
    }

    [Fact]
    public void Rollout_Recreate_NoSurgeNoUnavailable()
    {
        var rollout = new Rollout(Deployment(10, new JsonObject { ["type"] = "Recreate" }), []);

        Assert.Equal((0, 0), (rollout.MaxSurge, rollout.MaxUnavailable));
    }

    private static JsonNode Value(string s) => s.EndsWith('%') ? JsonValue.Create(s) : JsonValue.Create(int.Parse(s, System.Globalization.CultureInfo.InvariantCulture));

    private static JsonObject Deployment(int replicas, JsonObject? strategy)
    {
        var spec = new JsonObject { ["replicas"] = replicas, ["template"] = new JsonObject() };
        if (strategy is not null)
        {
            spec["strategy"] = strategy;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = "web" }, ["spec"] = spec };
    }
}
