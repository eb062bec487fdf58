using System.Text.Json.Nodes;
using Capstan.Controllers.Deployment;
using Capstan.Controllers.Pods;

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

    [Fact]
    public void Calculate_Paused_ProgressingUnknownDeploymentPaused_NoRequeue()
    {
        var d = Deployment(replicas: 3);
        d["spec"]!["paused"] = true;
        var rs = ReplicaSet("web-abc", replicas: 3, available: 0);

        var (status, requeue) = DeploymentStatusCalculator.Calculate(d, rs, [rs], maxUnavailable: 0, progress: null, Now);

        var progressing = Condition(status, "Progressing");
        Assert.Equal(("Unknown", "DeploymentPaused", "Deployment is paused"), (Str(progressing, "status"), Str(progressing, "reason"), Str(progressing, "message")));
        Assert.Null(requeue);
    }

    [Fact]
    public void Calculate_ResumedAfterPause_DeploymentResumed()
    {
        var d = Deployment(replicas: 3);
        d["status"] = new JsonObject
        {
            ["replicas"] = 3, ["updatedReplicas"] = 0, ["readyReplicas"] = 3, ["availableReplicas"] = 3,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Progressing", ["status"] = "Unknown", ["reason"] = "DeploymentPaused", ["lastUpdateTime"] = Timestamps.Format(Now) }),
        };
        var old = ReplicaSet("web-old", replicas: 3, available: 3);
        var rs = ReplicaSet("web-abc", replicas: 0, available: 0);

        var (status, _) = DeploymentStatusCalculator.Calculate(d, rs, [old, rs], maxUnavailable: 0, progress: null, Now);

        Assert.Equal("DeploymentResumed", Str(Condition(status, "Progressing"), "reason"));
    }

    [Fact]
    public void Calculate_NoProgressPastDeadline_ProgressDeadlineExceeded()
    {
        var d = Deployment(replicas: 3);
        var since = Timestamps.Format(Now.AddSeconds(-601));
        d["status"] = new JsonObject
        {
            ["replicas"] = 3, ["updatedReplicas"] = 3, ["readyReplicas"] = 0, ["availableReplicas"] = 0,
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Progressing", ["status"] = "True", ["reason"] = "ReplicaSetUpdated", ["lastUpdateTime"] = since, ["lastTransitionTime"] = since,
            }),
        };
        var rs = ReplicaSet("web-abc", replicas: 3, available: 0);

        var (status, _) = DeploymentStatusCalculator.Calculate(d, rs, [rs], maxUnavailable: 0, progress: null, Now);

        var progressing = Condition(status, "Progressing");
        Assert.Equal(("False", "ProgressDeadlineExceeded", "ReplicaSet \"web-abc\" has timed out progressing."),
            (Str(progressing, "status"), Str(progressing, "reason"), Str(progressing, "message")));
    }

    [Fact]
    public void Calculate_ReplicaSetFailure_MirroredThenRemoved()
    {
        var d = Deployment(replicas: 3);
        var rs = ReplicaSet("web-abc", replicas: 3, available: 0);
        rs["status"]!["conditions"] = new JsonArray(new JsonObject { ["type"] = "ReplicaFailure", ["status"] = "True", ["reason"] = "FailedCreate", ["message"] = "quota" });

        var (status, _) = DeploymentStatusCalculator.Calculate(d, rs, [rs], maxUnavailable: 0, progress: null, Now);
        var failure = Condition(status, "ReplicaFailure");
        Assert.Equal(("True", "FailedCreate", "quota"), (Str(failure, "status"), Str(failure, "reason"), Str(failure, "message")));

        d["status"] = status;
        rs["status"]!.AsObject().Remove("conditions");
        var (after, _) = DeploymentStatusCalculator.Calculate(d, rs, [rs], maxUnavailable: 0, progress: null, Now);
        Assert.DoesNotContain(after["conditions"]!.AsArray(), c => Str(c!.AsObject(), "type") == "ReplicaFailure");
    }

    private static JsonObject Condition(JsonObject status, string type) =>
        status["conditions"]!.AsArray().OfType<JsonObject>().Single(c => Str(c, "type") == type);

    private static string Str(JsonObject o, string field) => o[field]!.GetValue<string>();

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
