using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Queue;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Framework;

/// <summary>Decisions leave room for pods that preemption nominated to a node, as kube-scheduler's do.</summary>
public sealed class NominatedPodsSchedulingTests
{
    private readonly SchedulingFramework _framework = SchedulingFramework.CreateDefault(new Random(7));

    private static PodInfo Prioritised(string name, string cpu, int priority)
    {
        var pod = Pod(name, Container(cpu: cpu, memory: "100Mi"));
        pod.Spec.Priority = priority;
        return Info(pod);
    }

    [Fact]
    public void Schedule_LowerPriorityPod_AvoidsTheRoomAHigherNominatedPodWaitsFor()
    {
        var freed = NodeInfo("freed", cpu: "1");
        var full = NodeInfo("full", cpu: "1");
        full.AddPod(Prioritised("filler", "800m", 0));
        var nominated = new NominatedPods();
        nominated.Add(Prioritised("urgent", "800m", 1000), "freed");

        var replacement = Prioritised("replacement", "800m", 0);

        Assert.Equal("freed", _framework.Schedule(replacement, [freed, full]).Node?.Name);
        var result = _framework.Schedule(replacement, [freed, full], nominated: nominated);
        Assert.Null(result.Node);
        Assert.Contains("Insufficient cpu", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveBelow_TakesBackOnlyLowerPriorityNominationsToThatNode()
    {
        var nominated = new NominatedPods();
        var urgent = Prioritised("urgent", "1", 1000);
        var lower = Prioritised("lower", "1", 10);
        var equal = Prioritised("equal", "1", 1000);
        var elsewhere = Prioritised("elsewhere", "1", 10);
        nominated.Add(urgent, "n");
        nominated.Add(lower, "n");
        nominated.Add(equal, "n");
        nominated.Add(elsewhere, "m");

        var removed = nominated.RemoveBelow(urgent, "n");

        Assert.Equal(["lower"], removed.Select(p => p.Name));
        Assert.Null(nominated.NodeOf(lower.Uid));
        Assert.Equal("n", nominated.NodeOf(urgent.Uid));
        Assert.Equal("n", nominated.NodeOf(equal.Uid));
        Assert.Equal("m", nominated.NodeOf(elsewhere.Uid));
        Assert.Empty(nominated.RemoveBelow(urgent, "n"));
    }

    [Fact]
    public void Schedule_HigherPriorityPod_IgnoresALowerNominatedPod()
    {
        var nominated = new NominatedPods();
        nominated.Add(Prioritised("waiting", "800m", 10), "only");

        var result = _framework.Schedule(Prioritised("urgent", "800m", 1000), [NodeInfo("only", cpu: "1")], nominated: nominated);

        Assert.Equal("only", result.Node?.Name);
    }

    [Fact]
    public void Schedule_TheNominatedPodItself_FitsTheRoomMadeForIt()
    {
        var urgent = Prioritised("urgent", "800m", 1000);
        var nominated = new NominatedPods();
        nominated.Add(urgent, "freed");

        Assert.Equal("freed", _framework.Schedule(urgent, [NodeInfo("freed", cpu: "1")], nominated: nominated).Node?.Name);
    }

    [Fact]
    public void NominatedPods_UpdateWithoutNomination_KeepsIt_RemoveDropsIt()
    {
        var urgent = Prioritised("urgent", "800m", 1000);
        var low = Prioritised("low", "100m", 0);
        var nominated = new NominatedPods();
        nominated.Add(urgent, "a");

        nominated.Update(urgent, "");
        Assert.Equal("a", nominated.NodeOf(urgent.Uid));
        Assert.Single(nominated.Ahead(low, "a"));

        nominated.Update(urgent, "b");
        Assert.Empty(nominated.Ahead(low, "a"));
        Assert.Single(nominated.Ahead(low, "b"));

        nominated.Remove(urgent.Uid);
        Assert.True(nominated.IsEmpty);
        Assert.Null(nominated.NodeOf(urgent.Uid));
    }
}
