using System.Text.Json.Nodes;
using Capstan.Controllers.NodeLifecycle;

namespace Capstan.Controllers.Tests.NodeLifecycle;

public sealed class NodeTaintsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Reconcile_Unknown_AddsUnreachableBothEffectsKeepingOthers()
    {
        var current = (JsonArray)JsonNode.Parse("""[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]""")!;

        var result = NodeTaints.Reconcile(current, "Unknown", Now)!;

        Assert.Equal(3, result.Count);
        Assert.Contains(result, t => t!["key"]!.GetValue<string>() == "dedicated");
        Assert.Contains(result, t => t!["key"]!.GetValue<string>() == NodeTaints.Unreachable && t["effect"]!.GetValue<string>() == "NoSchedule");
        var noExecute = result.Single(t => t!["key"]!.GetValue<string>() == NodeTaints.Unreachable && t["effect"]!.GetValue<string>() == "NoExecute");
        Assert.Equal("2026-01-01T00:00:00Z", noExecute!["timeAdded"]!.GetValue<string>());
    }

    [Fact]
    public void Reconcile_FalseAfterUnknown_SwapsToNotReady()
    {
        var current = NodeTaints.Reconcile(null, "Unknown", Now)!;

        var result = NodeTaints.Reconcile(current, "False", Now)!;

        Assert.Equal(2, result.Count);
        Assert.All(result, t => Assert.Equal(NodeTaints.NotReady, t!["key"]!.GetValue<string>()));
    }

    [Fact]
    public void Reconcile_ReadyAgain_RemovesManagedTaints()
    {
        var current = NodeTaints.Reconcile(null, "Unknown", Now)!;

        Assert.Empty(NodeTaints.Reconcile(current, "True", Now)!);
    }

    [Fact]
    public void Reconcile_AlreadyRight_NoChange()
    {
        var current = NodeTaints.Reconcile(null, "Unknown", Now)!;

        Assert.Null(NodeTaints.Reconcile(current, "Unknown", Now.AddMinutes(1)));
        Assert.Null(NodeTaints.Reconcile(null, "True", Now));
    }
}
