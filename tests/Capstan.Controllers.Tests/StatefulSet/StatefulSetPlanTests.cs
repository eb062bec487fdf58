using System.Text.Json.Nodes;
using Capstan.Controllers.StatefulSet;

namespace Capstan.Controllers.Tests.StatefulSet;

public sealed class StatefulSetPlanTests
{
    [Fact]
    public void Steps_OrderedReady_CreatesLowestMissingOnly()
    {
        var steps = new StatefulSetPlan(Set(3), [Pod(0, "r1", ready: true)], "r1", "r1").Steps();

        var step = Assert.Single(steps);
        Assert.Equal((StepKind.Create, 1, "r1"), (step.Kind, step.Ordinal, step.Revision));
    }

    [Fact]
    public void Steps_OrderedReady_WaitsForNotReadyPredecessor()
    {
        Assert.Empty(new StatefulSetPlan(Set(3), [Pod(0, "r1", ready: false)], "r1", "r1").Steps());
    }

    [Fact]
    public void Steps_Parallel_CreatesAllMissing()
    {
        var steps = new StatefulSetPlan(Set(3, parallel: true), [], "r1", "r1").Steps();

        Assert.Equal([0, 1, 2], steps.Select(s => s.Ordinal));
        Assert.All(steps, s => Assert.Equal(StepKind.Create, s.Kind));
    }

    [Fact]
    public void Steps_ScaleDown_DeletesHighestOrdinalFirst()
    {
        var pods = Enumerable.Range(0, 3).Select(i => Pod(i, "r1", ready: true)).ToList();

        var step = Assert.Single(new StatefulSetPlan(Set(1), pods, "r1", "r1").Steps());

        Assert.Equal((StepKind.Delete, 2), (step.Kind, step.Ordinal));
    }

    [Fact]
    public void Steps_RollingUpdateWithPartition_ReplacesHighestOutdatedAtOrAbovePartition()
    {
        var pods = new List<JsonObject> { Pod(0, "old", ready: true), Pod(1, "old", ready: true), Pod(2, "new", ready: true) };

        var step = Assert.Single(new StatefulSetPlan(Set(3, partition: 1), pods, "old", "new").Steps());

        Assert.Equal((StepKind.Delete, 1), (step.Kind, step.Ordinal));
    }

    [Fact]
    public void Steps_RollingUpdateBelowPartition_LeavesOldRevision()
    {
        var pods = new List<JsonObject> { Pod(0, "old", ready: true), Pod(1, "new", ready: true), Pod(2, "new", ready: true) };

        Assert.Empty(new StatefulSetPlan(Set(3, partition: 1), pods, "old", "new").Steps());
    }

    [Fact]
    public void Steps_MissingPodBelowPartition_RecreatedAtCurrentRevision()
    {
        var pods = new List<JsonObject> { Pod(1, "new", ready: true), Pod(2, "new", ready: true) };

        var step = Assert.Single(new StatefulSetPlan(Set(3, partition: 1), pods, "old", "new").Steps());

        Assert.Equal((StepKind.Create, 0, "old"), (step.Kind, step.Ordinal, step.Revision));
    }

    [Fact]
    public void Steps_OnDelete_NeverReplacesOutdatedPods()
    {
        var pods = Enumerable.Range(0, 2).Select(i => Pod(i, "old", ready: true)).ToList();

        Assert.Empty(new StatefulSetPlan(Set(2, onDelete: true), pods, "old", "new").Steps());
    }

    private static JsonObject Set(int replicas, bool parallel = false, int? partition = null, bool onDelete = false)
    {
        var strategy = onDelete
            ? new JsonObject { ["type"] = "OnDelete" }
            : new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = partition is { } p ? new JsonObject { ["partition"] = p } : null };
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "ns" },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["podManagementPolicy"] = parallel ? "Parallel" : "OrderedReady",
                ["updateStrategy"] = strategy,
            },
        };
    }

    private static JsonObject Pod(int ordinal, string revision, bool ready) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = $"web-{ordinal}",
            ["namespace"] = "ns",
            ["labels"] = new JsonObject { [StatefulSetLabels.RevisionHash] = revision },
        },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
        },
    };
}
