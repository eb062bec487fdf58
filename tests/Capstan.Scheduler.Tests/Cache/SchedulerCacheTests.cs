using Capstan.Scheduler.Cache;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Cache;

public sealed class SchedulerCacheTests
{
    private readonly SchedulerCache _cache = new();

    [Fact]
    public void Assume_CountsPodBeforeBinding_ForgetUndoes()
    {
        _cache.AddOrUpdateNode(Json(Node("n", cpu: "1")));
        var pod = Info("600m", "1Mi");

        _cache.Assume(pod, "n");
        Assert.Equal(600, _cache.GetNode("n")!.Requested.MilliCpu);
        Assert.True(_cache.IsAssumed(pod.Uid));

        _cache.Forget(pod.Uid);
        Assert.Equal(0, _cache.GetNode("n")!.Requested.MilliCpu);
    }

    [Fact]
    public void Assume_PodAlreadyBound_KeepsItOnItsNodeAndForgetLeavesIt()
    {
        _cache.AddOrUpdateNode(Json(Node("a")));
        _cache.AddOrUpdateNode(Json(Node("b")));
        var pod = Pod("p", Container(cpu: "500m"));
        pod.Spec.NodeName = "a";
        _cache.AddOrUpdatePod(Info(pod));

        _cache.Assume(Info(pod), "b");
        _cache.Forget(pod.Metadata.Uid);

        Assert.Equal("a", _cache.NodeOf(pod.Metadata.Uid));
        Assert.Equal(500, _cache.GetNode("a")!.Requested.MilliCpu);
        Assert.Equal(0, _cache.GetNode("b")!.Requested.MilliCpu);
    }

    [Fact]
    public void AddOrUpdatePod_BoundVersionOfAssumedPod_ConfirmsWithoutDoubleCounting()
    {
        _cache.AddOrUpdateNode(Json(Node("n")));
        var v1 = Pod("p", Container(cpu: "500m"));
        _cache.Assume(Info(v1), "n");

        v1.Spec.NodeName = "n";
        _cache.AddOrUpdatePod(Info(v1));

        Assert.False(_cache.IsAssumed(v1.Metadata.Uid));
        Assert.Equal(500, _cache.GetNode("n")!.Requested.MilliCpu);
        _cache.Forget(v1.Metadata.Uid);
        Assert.Equal(500, _cache.GetNode("n")!.Requested.MilliCpu);
    }

    [Fact]
    public void AddOrUpdatePod_UnboundVersionOfAssumedPod_KeepsAssumption()
    {
        _cache.AddOrUpdateNode(Json(Node("n")));
        var pod = Pod("p", Container(cpu: "500m"));
        _cache.Assume(Info(pod), "n");

        Assert.False(_cache.AddOrUpdatePod(Info(pod)));

        Assert.True(_cache.IsAssumed(pod.Metadata.Uid));
    }

    [Fact]
    public void AddOrUpdatePod_Terminated_FreesResources()
    {
        _cache.AddOrUpdateNode(Json(Node("n")));
        var pod = Pod("p", Container(cpu: "1"));
        pod.Spec.NodeName = "n";
        _cache.AddOrUpdatePod(Info(pod));

        pod.Status = new V1PodStatus { Phase = "Succeeded" };
        Assert.True(_cache.AddOrUpdatePod(Info(pod)));

        Assert.Equal(0, _cache.GetNode("n")!.Requested.MilliCpu);
    }

    [Fact]
    public void AddOrUpdatePod_BeforeItsNode_CountedWhenNodeArrives()
    {
        var pod = Pod("p", Container(cpu: "1"));
        pod.Spec.NodeName = "late";
        _cache.AddOrUpdatePod(Info(pod));
        Assert.Equal(0, _cache.WithNodes(n => n.Count));

        _cache.AddOrUpdateNode(Json(Node("late")));

        Assert.Equal(1000, _cache.WithNodes(n => n.Single().Requested.MilliCpu));
    }

    [Fact]
    public void AddOrUpdateNode_OnlyHeartbeatChanged_NotRelevant()
    {
        var node = Node("n");
        _cache.AddOrUpdateNode(Json(node));
        var old = Json(node);
        node.Status.Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", LastHeartbeatTime = DateTime.UtcNow }];

        Assert.False(_cache.AddOrUpdateNode(Json(node), old));

        node.Spec.Unschedulable = true;
        Assert.True(_cache.AddOrUpdateNode(Json(node), old));
    }

    [Fact]
    public void RemoveNode_HidesNodeFromDecisions()
    {
        _cache.AddOrUpdateNode(Json(Node("n")));

        _cache.RemoveNode("n");

        Assert.Equal(0, _cache.WithNodes(n => n.Count));
    }
}
