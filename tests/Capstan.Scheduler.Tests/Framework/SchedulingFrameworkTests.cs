using Capstan.Scheduler.Framework;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Framework;

public sealed class SchedulingFrameworkTests
{
    private readonly SchedulingFramework _framework = SchedulingFramework.CreateDefault(new Random(42));

    [Fact]
    public void Schedule_PicksLeastAllocatedNode()
    {
        var busy = NodeInfo("busy");
        busy.AddPod(Info("3", "6Gi", "existing"));
        var idle = NodeInfo("idle");

        var result = _framework.Schedule(Info("500m", "512Mi"), [busy, idle]);

        Assert.Equal("idle", result.Node?.Name);
    }

    [Fact]
    public void Schedule_Ties_SpreadOverEqualNodes()
    {
        var nodes = Enumerable.Range(0, 4).Select(i => NodeInfo($"n{i}")).ToList();
        var pod = Info("100m", "100Mi");

        var chosen = Enumerable.Range(0, 200).Select(_ => _framework.Schedule(pod, nodes).Node!.Name).ToHashSet();

        Assert.Equal(4, chosen.Count);
    }

    [Fact]
    public void Schedule_TaintedPreferNoScheduleNode_Avoided()
    {
        var tainted = NodeInfo(Node("tainted", taints: new V1Taint { Key = "k", Effect = "PreferNoSchedule" }));
        var clean = NodeInfo("clean");

        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal("clean", _framework.Schedule(Info("100m", "100Mi"), [tainted, clean]).Node?.Name));
    }

    [Fact]
    public void Schedule_NoneFits_MessageAsKubeScheduler()
    {
        var small = NodeInfo("small", cpu: "1");
        var elsewhere = NodeInfo(Node("elsewhere", labels: new() { ["zone"] = "b" }));
        var cordoned = Node("cordoned", labels: new() { ["zone"] = "a" });
        cordoned.Spec.Unschedulable = true;
        var pod = Pod("p", Container("c", cpu: "2"));
        pod.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = "a" };
        small.SetNode(Json(Node("small", cpu: "1", labels: new() { ["zone"] = "a" })));

        var result = _framework.Schedule(Info(pod), [small, elsewhere, NodeInfo(cordoned)]);

        Assert.Null(result.Node);
        Assert.Equal(
            "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable. "
            + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
            result.Error!.Message);
    }

    [Fact]
    public void Schedule_NoNodes_NoNodesAvailable()
    {
        Assert.Equal("no nodes available to schedule pods", _framework.Schedule(Info(Pod()), []).Error!.Message);
    }

    [Fact]
    public void Schedule_PreemptionPolicyNever_NotEligible()
    {
        var pod = Pod("p", Container("c", cpu: "8"));
        pod.Spec.PreemptionPolicy = "Never";

        Assert.Equal(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
            _framework.Schedule(Info(pod), [NodeInfo("n", cpu: "4")]).Error!.Message);
    }

    [Fact]
    public void Schedule_LowerPriorityVictimsNotEnough_ReportsFilterReasons()
    {
        var node = NodeInfo("n", cpu: "4");
        node.AddPod(Info("1", "1Gi", "low"));
        var high = Pod("p", Container("c", cpu: "8"));
        high.Spec.Priority = 100;

        Assert.Equal(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.",
            _framework.Schedule(Info(high), [node]).Error!.Message);
    }

    [Fact]
    public void Schedule_LowerPriorityVictimsWouldMakeRoom_NoPreemptionPart()
    {
        var node = NodeInfo("n", cpu: "4");
        node.AddPod(Info("3", "1Gi", "low"));
        var high = Pod("p", Container("c", cpu: "2"));
        high.Spec.Priority = 100;

        Assert.Equal("0/1 nodes are available: 1 Insufficient cpu.", _framework.Schedule(Info(high), [node]).Error!.Message);
    }

    [Fact]
    public void Schedule_ManyNodes_FiltersStopAtFirstFailure()
    {
        var tainted = Node("t", taints: new V1Taint { Key = "k", Value = "v", Effect = "NoSchedule" });
        tainted.Spec.Unschedulable = true;

        var status = _framework.RunFilters(Info(Pod()), NodeInfo(tainted));

        Assert.Equal("NodeUnschedulable", status.Plugin);
    }

    [Fact]
    public void Schedule_FilterNotApplyingToPod_LeftOutOfTheNodeLoop_ButKeptByRunFilters()
    {
        var skipped = new CountingFilter(applies: false);
        var applying = new CountingFilter(applies: true);
        var framework = new SchedulingFramework([skipped, applying], [], new Random(1));
        var nodes = Enumerable.Range(0, 5).Select(i => NodeInfo($"n{i}")).ToList();

        Assert.NotNull(framework.Schedule(Info("100m", "100Mi"), nodes).Node);
        Assert.Equal(0, skipped.Calls);
        Assert.Equal(5, applying.Calls);

        // Preemption and error reports ask every filter.
        Assert.True(framework.RunFilters(Info("100m", "100Mi"), nodes[0]).IsSuccess);
        Assert.Equal(1, skipped.Calls);
    }

    private sealed class CountingFilter(bool applies) : IFilterPlugin
    {
        public int Calls { get; private set; }

        public string Name => "Counting";

        public bool AppliesTo(PodInfo pod) => applies;

        public FilterStatus Filter(PodInfo pod, NodeInfo node)
        {
            Calls++;
            return FilterStatus.Success;
        }
    }
}
