using System.Text.Json.Nodes;
using Capstan.Controllers.NodeLifecycle;

namespace Capstan.Controllers.Tests.NodeLifecycle;

/// <summary>TaintNodesByCondition: pressure conditions become NoSchedule taints and go away with them.</summary>
public sealed class NodeConditionTaintsTests
{
    private static Func<string, string?> Conditions(params (string Type, string Status)[] conditions) =>
        type => conditions.FirstOrDefault(c => c.Type == type).Status;

    private static IEnumerable<string> Keys(JsonArray taints) => taints.Select(t => t!["key"]!.GetValue<string>());

    [Fact]
    public void ReconcileConditions_MemoryPressureTrue_AddsNoScheduleTaintKeepingOthers()
    {
        var current = (JsonArray)JsonNode.Parse("""[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]""")!;

        var result = NodeTaints.ReconcileConditions(current, Conditions(("MemoryPressure", "True"), ("DiskPressure", "False")))!;

        Assert.Equal(["dedicated", NodeTaints.MemoryPressure], Keys(result));
        var taint = result.Single(t => t!["key"]!.GetValue<string>() == NodeTaints.MemoryPressure)!;
        Assert.Equal("NoSchedule", taint["effect"]!.GetValue<string>());
        Assert.Null(taint["timeAdded"]);
    }

    [Fact]
    public void ReconcileConditions_DiskAndPidPressure_AddsBoth()
    {
        var result = NodeTaints.ReconcileConditions(null, Conditions(("DiskPressure", "True"), ("PIDPressure", "True")))!;

        Assert.Equal([NodeTaints.DiskPressure, NodeTaints.PidPressure], Keys(result).Order());
    }

    [Fact]
    public void ReconcileConditions_PressureCleared_RemovesTaint()
    {
        var current = NodeTaints.ReconcileConditions(null, Conditions(("MemoryPressure", "True")))!;

        Assert.Empty(NodeTaints.ReconcileConditions(current, Conditions(("MemoryPressure", "False")))!);
    }

    [Fact]
    public void ReconcileConditions_Unknown_RemovesTaint()
    {
        var current = NodeTaints.ReconcileConditions(null, Conditions(("MemoryPressure", "True")))!;

        Assert.Empty(NodeTaints.ReconcileConditions(current, Conditions(("MemoryPressure", "Unknown")))!);
    }

    [Fact]
    public void ReconcileConditions_AlreadyTainted_ReturnsNull()
    {
        var current = NodeTaints.ReconcileConditions(null, Conditions(("MemoryPressure", "True")))!;

        Assert.Null(NodeTaints.ReconcileConditions(current, Conditions(("MemoryPressure", "True"))));
    }

    [Fact]
    public void ReconcileConditions_UserTaintSameKeyOtherEffect_Kept()
    {
        var current = (JsonArray)JsonNode.Parse("""[{"key":"node.kubernetes.io/memory-pressure","effect":"NoExecute"}]""")!;

        Assert.Null(NodeTaints.ReconcileConditions(current, Conditions()));
    }
}
