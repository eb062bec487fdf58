using System.Text.Json.Nodes;
using Capstan.Controllers.Deployment;

namespace Capstan.Controllers.Tests.Deployment;

public sealed class DeploymentStatusCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Calculate_AllAvailable_AvailableAndComplete()
    {
        var d = Deployment(replicas: 3);
        var rs = ReplicaSet("web-abc", replicas: 3, available: 3);

        var (status, requeue) = DeploymentStatusCalculator.Calculate(d, rs, [rs], maxUnavailable: 0, progress: null, Now);

        Assert.Equal((3, 3, 3, 0), (Int(status, "replicas"), Int(status, "updatedReplicas"), Int(status, "availableReplicas"), Int(status, "unavailableReplicas")));
        var conditions = status["conditions"]!.AsArray();
        Assert.Equal(["Available", "Progressing"], conditions.Select(c => c!["type"]!.GetValue<string>()));
        Assert.Equal("MinimumReplicasAvailable", conditions[0]!["reason"]!.GetValue<string>());
        Assert.Equal("NewReplicaSetAvailable", conditions[1]!["reason"]!.GetValue<string>());
        Assert.Equal("ReplicaSet \"web-abc\" has successfully progressed.", conditions[1]!["message"]!.GetValue<string>());
        Assert.Null(requeue);
    }

    [Fact]
    public void Calculate_NoneAvailableYet_UnavailableAndProgressingWithDeadlineRequeue()
    {
        var d = Deployment(replicas: 3);
        var rs = ReplicaSet("web-abc", replicas: 3, available: 0);

        var (status, requeue) = DeploymentStatusCalculator.Calculate(d, rs, [rs], maxUnavailable: 0, progress: "Created new replica set \"web-abc\"", Now);

        var conditions = status["conditions"]!.AsArray();
        Assert.Equal("MinimumReplicasUnavailable", conditions.Single(c => c!["type"]!.GetValue<string>() == "Available")!["reason"]!.GetValue<string>());
        var progressing = conditions.Single(c => c!["type"]!.GetValue<string>() == "Progressing")!;
        Assert.Equal("ReplicaSetUpdated", progressing["reason"]!.GetValue<string>());
        Assert.Equal(3, Int(status, "unavailableReplicas"));
        Assert.Equal(TimeSpan.FromSeconds(601), requeue);
    }

    private static int Int(JsonObject status, string field) => status[field]!.GetValue<int>();

    private static JsonObject Deployment(int replicas) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "ns", ["generation"] = 1 },
        ["spec"] = new JsonObject { ["replicas"] = replicas, ["progressDeadlineSeconds"] = 600 },
    };

    private static JsonObject ReplicaSet(string name, int replicas, int available) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns" },
        ["spec"] = new JsonObject { ["replicas"] = replicas },
        ["status"] = new JsonObject { ["replicas"] = replicas, ["readyReplicas"] = available, ["availableReplicas"] = available },
    };
}
