using System.Text.Json.Nodes;
using Capstan.Controllers.Pods;
using Capstan.Controllers.ReplicaSet;

namespace Capstan.Controllers.Tests.ReplicaSet;

public sealed class ReplicaSetStatusCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 1, 0, TimeSpan.Zero);

    [Fact]
    public void Calculate_MinReadySeconds_OnlyLongReadyPodsAvailable()
    {
        var rs = ReplicaSet(minReadySeconds: 30);
        var pods = new[]
        {
            Pod(readySince: Now.AddSeconds(-40), labels: new() { ["app"] = "web" }),
            Pod(readySince: Now.AddSeconds(-10), labels: new() { ["app"] = "web" }),
            Pod(readySince: null, labels: new() { ["app"] = "other" }),
        };

        var status = ReplicaSetStatusCalculator.Calculate(rs, pods, null, Now);

        Assert.Equal(3, status["replicas"]!.GetValue<int>());
        Assert.Equal(2L, status["fullyLabeledReplicas"]!.GetValue<long>());
        Assert.Equal(2L, status["readyReplicas"]!.GetValue<long>());
        Assert.Equal(1L, status["availableReplicas"]!.GetValue<long>());
        Assert.Equal(4L, status["observedGeneration"]!.GetValue<long>());
        Assert.Null(status["conditions"]);
    }

    [Fact]
    public void Calculate_CreateFailure_AddsReplicaFailureThenClearsIt()
    {
        var rs = ReplicaSet(minReadySeconds: 0);

        var failing = ReplicaSetStatusCalculator.Calculate(rs, [], "Error creating: pods \"web-\" is forbidden: exceeded quota", Now);
        var condition = failing["conditions"]![0]!;
        Assert.Equal(("ReplicaFailure", "True", "FailedCreate"), (condition["type"]!.GetValue<string>(), condition["status"]!.GetValue<string>(), condition["reason"]!.GetValue<string>()));
        Assert.Equal(0, failing["replicas"]!.GetValue<int>());

        rs["status"] = failing;
        Assert.Null(ReplicaSetStatusCalculator.Calculate(rs, [], null, Now)["conditions"]);
    }

    private static JsonObject ReplicaSet(long minReadySeconds) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "ns", ["generation"] = 4 },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 3,
            ["minReadySeconds"] = minReadySeconds,
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } } },
        },
    };

    private static JsonObject Pod(DateTimeOffset? readySince, Dictionary<string, string> labels)
    {
        var conditions = new JsonArray();
        if (readySince is { } since)
        {
            conditions.Add(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["lastTransitionTime"] = Timestamps.Format(since) });
        }

        var labelObject = new JsonObject();
        foreach (var (k, v) in labels)
        {
            labelObject[k] = v;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Guid.NewGuid().ToString("N"), ["namespace"] = "ns", ["labels"] = labelObject },
            ["status"] = new JsonObject { ["phase"] = "Running", ["conditions"] = conditions },
        };
    }
}
