using System.Text.Json.Nodes;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.Tests.Pods;

public sealed class ActivePodsComparerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Order_MixedPods_LeastValuableFirst()
    {
        var pods = new[]
        {
            Pod("old-ready", node: "n1", phase: "Running", readySince: T0, created: T0),
            Pod("young-ready", node: "n1", phase: "Running", readySince: T0.AddMinutes(5), created: T0),
            Pod("unassigned", node: "", phase: "Pending", created: T0),
            Pod("pending", node: "n1", phase: "Pending", created: T0),
            Pod("unknown", node: "n1", phase: "Unknown", created: T0),
            Pod("running-not-ready", node: "n1", phase: "Running", created: T0),
        };

        var order = pods.Order(ActivePodsComparer.Instance).Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();

        Assert.Equal(["unassigned", "pending", "unknown", "running-not-ready", "young-ready", "old-ready"], order);
    }

    [Fact]
    public void Compare_SameStateMoreRestarts_FirstThenNewer()
    {
        var restarted = Pod("restarted", node: "n1", phase: "Running", created: T0, restarts: 4);
        var newer = Pod("newer", node: "n1", phase: "Running", created: T0.AddMinutes(1));
        var older = Pod("older", node: "n1", phase: "Running", created: T0);

        var order = new[] { older, newer, restarted }.Order(ActivePodsComparer.Instance).Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();

        Assert.Equal(["restarted", "newer", "older"], order);
    }

    internal static JsonObject Pod(string name, string node, string phase, DateTimeOffset created, DateTimeOffset? readySince = null, int restarts = 0)
    {
        var conditions = new JsonArray();
        if (readySince is { } since)
        {
            conditions.Add(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["lastTransitionTime"] = Timestamps.Format(since) });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["creationTimestamp"] = Timestamps.Format(created) },
            ["spec"] = new JsonObject { ["nodeName"] = node },
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["conditions"] = conditions,
                ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "c", ["restartCount"] = restarts }),
            },
        };
    }
}
