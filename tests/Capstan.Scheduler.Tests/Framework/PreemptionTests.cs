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

    private static PodInfo Labelled(string name, string cpu, int priority, string app)
    {
        var pod = Pod(name, Container(cpu: cpu, memory: "100Mi"));
        pod.Spec.Priority = priority;
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = app };
        pod.Metadata.NamespaceProperty = "default";
        return Info(pod);
    }

    private static DisruptionBudget Budget(string app, int allowed, params string[] disrupted) =>
        DisruptionBudget.Parse(Json(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = app, NamespaceProperty = "default" },
            Spec = new V1PodDisruptionBudgetSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } } },
            Status = new V1PodDisruptionBudgetStatus
            {
                DisruptionsAllowed = allowed,
                DisruptedPods = disrupted.Length == 0 ? null : disrupted.ToDictionary(d => d, _ => (DateTime?)DateTime.UnixEpoch),
            },
        }));

    private static (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? Candidate(PodInfo pod, params NodeInfo[] nodes) => Candidate(pod, [], nodes);

    private static (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? Candidate(PodInfo pod, IReadOnlyList<DisruptionBudget> budgets, params NodeInfo[] nodes)
    {
        var framework = SchedulingFramework.CreateDefault(new Random(1));
        var result = framework.Schedule(pod, nodes);
        Assert.Null(result.Node);
        return Preemption.FindCandidate(pod, result.Error!, nodes.ToDictionary(n => n.Name), framework.RunFilters, budgets);
    }

    [Fact]
    public void FindCandidate_PrefersTheNodeWhoseVictimsNoBudgetProtects()
    {
        // Node a holds a lower-priority pod a budget protects (no disruption allowed); node b a more important one no budget
        // covers. Without budgets a wins (priority 10 < 20); with them b does, as kube-scheduler counts violations first.
        var a = NodeInfo("a", cpu: "1");
        a.AddPod(Labelled("guarded", "1", 10, "db"));
        var b = NodeInfo("b", cpu: "1");
        b.AddPod(Labelled("free", "1", 20, "batch"));
        var urgent = Prioritised("urgent", "1", 1000);

        Assert.Equal("a", Candidate(urgent, a, b)!.Value.Node.Name);
        Assert.Equal("b", Candidate(urgent, [Budget("db", 0)], a, b)!.Value.Node.Name);
        Assert.Equal("a", Candidate(urgent, [Budget("db", 1)], a, b)!.Value.Node.Name);
    }

    [Fact]
    public void FindCandidate_ReprievesBudgetProtectedVictimsFirst()
    {
        // One CPU is needed on a node with two 1-CPU victims: the budget-protected one is given back even though it is the
        // less important.
        var a = NodeInfo("a", cpu: "2");
        a.AddPod(Labelled("guarded", "1", 10, "db"));
        a.AddPod(Labelled("free", "1", 50, "batch"));

        var candidate = Candidate(Prioritised("urgent", "1", 1000), [Budget("db", 0)], a);

        Assert.Equal(["free"], candidate!.Value.Victims.Select(v => v.Name));
    }

    [Fact]
    public void SplitByBudgets_UsesUpAllowedDisruptionsInOrder_SkipsAlreadyDisrupted()
    {
        var pods = new[] { Labelled("a", "1", 1, "db"), Labelled("b", "1", 1, "db"), Labelled("c", "1", 1, "db"), Labelled("d", "1", 1, "web") };

        var (violating, harmless) = Preemption.SplitByBudgets(pods, [Budget("db", 1, "b")]);

        Assert.Equal(["c"], violating.Select(p => p.Name));
        Assert.Equal(["a", "b", "d"], harmless.Select(p => p.Name));
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
