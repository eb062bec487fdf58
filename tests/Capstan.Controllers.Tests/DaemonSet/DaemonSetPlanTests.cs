using System.Text.Json.Nodes;
using Capstan.Controllers.DaemonSet;

namespace Capstan.Controllers.Tests.DaemonSet;

public sealed class DaemonSetPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Plan_NodeWithoutDaemon_CreatesOne()
    {
        var plan = Plan(new RollingBudget(1, 0), new NodeState("n1", true, true, []));
        Assert.Equal(["n1"], plan.CreateOn);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Plan_DaemonStillTerminating_WaitsToCreate()
    {
        var plan = Plan(new RollingBudget(1, 0), new NodeState("n1", true, true, [], Terminating: true));
        Assert.Empty(plan.CreateOn);
    }

    [Fact]
    public void Plan_NodeNoLongerEligible_DeletesItsDaemon()
    {
        var plan = Plan(new RollingBudget(1, 0), new NodeState("n1", false, false, [Pod("a", "new", ready: true)]));
        Assert.Equal(["a"], Names(plan.Delete));
    }

    [Fact]
    public void Plan_UntoleratedNoScheduleOnly_KeepsRunningDaemon()
    {
        var plan = Plan(new RollingBudget(1, 0), new NodeState("n1", false, true, [Pod("a", "new", ready: true)]));
        Assert.Empty(plan.Delete);
        Assert.Empty(plan.CreateOn);
    }

    [Fact]
    public void Plan_DuplicateDaemons_KeepsOldest()
    {
        var plan = Plan(new RollingBudget(1, 0), new NodeState("n1", true, true, [Pod("b", "new", ready: true, minute: 5), Pod("a", "new", ready: true, minute: 1)]));
        Assert.Equal(["b"], Names(plan.Delete));
    }

    [Fact]
    public void Plan_RollingNoSurge_DeletesOldWithinMaxUnavailable()
    {
        var plan = Plan(new RollingBudget(1, 0),
            new NodeState("n1", true, true, [Pod("a", "old", ready: true)]),
            new NodeState("n2", true, true, [Pod("b", "old", ready: true)]),
            new NodeState("n3", true, true, [Pod("c", "old", ready: true)]));
        Assert.Single(plan.Delete);
        Assert.Empty(plan.CreateOn);
    }

    [Fact]
    public void Plan_RollingNoSurgeOneAlreadyUnavailable_DeletesOnlyTheUnavailableOld()
    {
        var plan = Plan(new RollingBudget(1, 0),
            new NodeState("n1", true, true, [Pod("a", "old", ready: false)]),
            new NodeState("n2", true, true, [Pod("b", "old", ready: true)]));
        Assert.Equal(["a"], Names(plan.Delete));
    }

    [Fact]
    public void Plan_RollingWithSurge_CreatesNextToOldThenDeletesOldOnceNewAvailable()
    {
        var first = Plan(new RollingBudget(0, 1),
            new NodeState("n1", true, true, [Pod("a", "old", ready: true)]),
            new NodeState("n2", true, true, [Pod("b", "old", ready: true)]));
        Assert.Single(first.CreateOn);
        Assert.Empty(first.Delete);

        var waiting = Plan(new RollingBudget(0, 1), new NodeState("n1", true, true, [Pod("a", "old", ready: true), Pod("a2", "new", ready: false)]));
        Assert.Empty(waiting.Delete);

        var done = Plan(new RollingBudget(0, 1), new NodeState("n1", true, true, [Pod("a", "old", ready: true), Pod("a2", "new", ready: true)]));
        Assert.Equal(["a"], Names(done.Delete));
    }

    [Fact]
    public void Plan_OnDelete_LeavesOldRevisionRunning()
    {
        var plan = Plan(null, new NodeState("n1", true, true, [Pod("a", "old", ready: true)]));
        Assert.Empty(plan.Delete);
        Assert.Empty(plan.CreateOn);
    }

    [Fact]
    public void Budget_SurgeSet_AllowsZeroUnavailable()
    {
        var ds = JsonNode.Parse("""{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":"50%"}}}}""")!.AsObject();
        Assert.Equal(new RollingBudget(0, 2), DaemonSetController.Budget(ds, 3));
        var onDelete = JsonNode.Parse("""{"spec":{"updateStrategy":{"type":"OnDelete"}}}""")!.AsObject();
        Assert.Null(DaemonSetController.Budget(onDelete, 3));
    }

    private static DaemonSetPlan Plan(RollingBudget? budget, params NodeState[] nodes)
    {
        var plan = new DaemonSetPlan();
        plan.Nodes.AddRange(nodes);
        DaemonSetController.Plan(plan, "new", budget, 0, Now);
        return plan;
    }

    private static List<string> Names(List<JsonObject> pods) => [.. pods.Select(p => (string)p["metadata"]!["name"]!).Order(StringComparer.Ordinal)];

    private static JsonObject Pod(string name, string hash, bool ready, int minute = 0)
    {
        var created = Now.AddMinutes(-60 + minute).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return JsonNode.Parse($$$"""
            {"metadata":{"name":"{{{name}}}","uid":"{{{name}}}","namespace":"ns","creationTimestamp":"{{{created}}}","labels":{"controller-revision-hash":"{{{hash}}}"}},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"{{{(ready ? "True" : "False")}}}","lastTransitionTime":"{{{created}}}"}]}}
            """)!.AsObject();
    }
}
