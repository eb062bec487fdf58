using Capstan.Scheduler.Framework;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Framework;

public sealed class PreemptionTests
{
    private static PodInfo Prioritised(string name, string cpu, int priority, string policy = "PreemptLowerPriority")
    {
        var pod = Pod(name, Container(cpu: cpu, memory: "100Mi"));
        pod.Spec.Priority = priority;
        pod.Spec.PreemptionPolicy = policy;
        return Info(pod);
    }

    private static (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? Candidate(PodInfo pod, params NodeInfo[] nodes)
    {
        var framework = SchedulingFramework.CreateDefault(new Random(1));
        var result = framework.Schedule(pod, nodes);
        Assert.Null(result.Node);
        return Preemption.FindCandidate(pod, result.Error!, nodes.ToDictionary(n => n.Name), framework.RunFilters);
    }

    [Fact]
    public void FindCandidate_PicksTheNodeWithTheLeastImportantVictims_AndReprievesWhatItCan()
    {
        // Node a: two 1-CPU pods of priority 10 and 50; node b: one 2-CPU pod of priority 100. The 1-CPU pod of priority
        // 1000 needs one CPU freed: on a, evicting the priority-10 pod is enough (the 50 is reprieved).
        var a = NodeInfo("a", cpu: "2");
        a.AddPod(Prioritised("low", "1", 10));
        a.AddPod(Prioritised("mid", "1", 50));
        var b = NodeInfo("b", cpu: "2");
        b.AddPod(Prioritised("big", "2", 100));

        var candidate = Candidate(Prioritised("urgent", "1", 1000), a, b);

        Assert.NotNull(candidate);
        Assert.Equal("a", candidate.Value.Node.Name);
        Assert.Equal(["low"], candidate.Value.Victims.Select(v => v.Name));
    }

    [Fact]
    public void FindCandidate_NoLowerPriorityPods_IsNull()
    {
        var a = NodeInfo("a", cpu: "1");
        a.AddPod(Prioritised("peer", "1", 1000));

        Assert.Null(Candidate(Prioritised("urgent", "1", 1000), a));
    }

    [Fact]
    public void FindCandidate_PreemptionPolicyNever_IsNull()
    {
        var a = NodeInfo("a", cpu: "1");
        a.AddPod(Prioritised("low", "1", 0));

        Assert.Null(Candidate(Prioritised("polite", "1", 1000, "Never"), a));
    }
}
