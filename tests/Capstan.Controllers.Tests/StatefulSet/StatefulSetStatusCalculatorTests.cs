using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Controllers.StatefulSet;

namespace Capstan.Controllers.Tests.StatefulSet;

public sealed class StatefulSetStatusCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 1, 0, TimeSpan.Zero);

    [Fact]
    public void Calculate_RolloutInProgress_CountsCurrentAndUpdatedSeparately()
    {
        var pods = new List<JsonObject> { Pod(0, "old", ready: true), Pod(1, "new", ready: true), Pod(2, "new", ready: false) };

        var status = StatefulSetStatusCalculator.Calculate(Set(3), pods, "old", "new", null, Now);

        Assert.Equal((3L, 2L, 1L, 2L, "old", "new", 4L),
            (status.Long("replicas"), status.Long("readyReplicas"), status.Long("currentReplicas"), status.Long("updatedReplicas"),
             (string?)status["currentRevision"], (string?)status["updateRevision"], status.Long("observedGeneration")));
    }

    [Fact]
    public void Calculate_AllPodsUpdatedAndReady_UpdateRevisionBecomesCurrent()
    {
        var pods = Enumerable.Range(0, 3).Select(i => Pod(i, "new", ready: true)).ToList();

        var status = StatefulSetStatusCalculator.Calculate(Set(3), pods, "old", "new", 1, Now);

        Assert.Equal(("new", 3L, 1L), ((string?)status["currentRevision"], status.Long("currentReplicas"), status.Long("collisionCount")));
    }

    private static JsonObject Set(int replicas) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "ns", ["generation"] = 4 },
        ["spec"] = new JsonObject { ["replicas"] = replicas },
    };

    private static JsonObject Pod(int ordinal, string revision, bool ready) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = $"web-{ordinal}",
            ["labels"] = new JsonObject { [StatefulSetLabels.RevisionHash] = revision },
        },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Ready",
                ["status"] = ready ? "True" : "False",
                ["lastTransitionTime"] = "2026-01-01T00:00:00Z",
            }),
        },
    };
}
