using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class ScorePluginTests
{
    [Fact]
    public void LeastAllocated_AveragesCpuAndMemoryFreeFraction()
    {
        // CPU: (4000 - 1000 - 1000) * 100 / 4000 = 50; memory: (8Gi - 2Gi - 0.4Gi)... use round numbers below.
        var node = NodeInfo("n", cpu: "4", memory: "10Gi");
        node.AddPod(Info("1", "2Gi", "other"));

        var score = NodeResourcesFit.LeastAllocated(Info("1", "3Gi"), node);

        // CPU (4000-2000)*100/4000 = 50; memory (10-5)*100/10 = 50.
        Assert.Equal(50, score);
    }

    [Fact]
    public void LeastAllocated_PodsWithoutRequests_CountAsDefaults()
    {
        // 1000m and 1000Mi allocatable; the pod counts as 100m and 200Mi: CPU 90, memory 80, average 85.
        var node = NodeInfo("n", cpu: "1", memory: "1000Mi");

        Assert.Equal(85, NodeResourcesFit.LeastAllocated(Info(Pod()), node));
    }

    [Fact]
    public void LeastAllocated_Overcommitted_ScoresZero()
    {
        var node = NodeInfo("n", cpu: "1", memory: "1Gi");
        node.AddPod(Info("1", "1Gi", "hog"));

        Assert.Equal(0, NodeResourcesFit.LeastAllocated(Info("100m", "100Mi"), node));
    }

    [Fact]
    public void TaintToleration_Score_FewerPreferNoScheduleTaintsScoreHigher()
    {
        var prefer = (string key) => new V1Taint { Key = key, Effect = "PreferNoSchedule" };
        var nodes = new[] { NodeInfo(Node("clean")), NodeInfo(Node("one", taints: prefer("a"))), NodeInfo(Node("two", taints: [prefer("a"), prefer("b")])) };
        var scores = new long[3];

        new TaintToleration().Score(Info(Pod()), nodes, scores);

        Assert.Equal([100, 50, 0], scores);
    }

    [Fact]
    public void TaintToleration_Score_ToleratedTaintsDoNotCount()
    {
        var nodes = new[] { NodeInfo(Node("one", taints: new V1Taint { Key = "a", Effect = "PreferNoSchedule" })), NodeInfo(Node("clean")) };
        var pod = Pod();
        pod.Spec.Tolerations = [new V1Toleration { Key = "a", OperatorProperty = "Exists", Effect = "PreferNoSchedule" }];
        var scores = new long[2];

        new TaintToleration().Score(Info(pod), nodes, scores);

        Assert.Equal([100, 100], scores);
    }

    [Fact]
    public void NodeAffinity_Score_NormalisesPreferredWeights()
    {
        var pod = Pod();
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm { Weight = 80, Preference = Term("zone", "a") },
                    new V1PreferredSchedulingTerm { Weight = 20, Preference = Term("disk", "ssd") },
                ],
            },
        };
        var nodes = new[]
        {
            NodeInfo(Node("both", labels: new() { ["zone"] = "a", ["disk"] = "ssd" })),
            NodeInfo(Node("zone", labels: new() { ["zone"] = "a" })),
            NodeInfo(Node("none")),
        };
        var scores = new long[3];

        new NodeAffinity().Score(Info(pod), nodes, scores);

        Assert.Equal([100, 80, 0], scores);
    }

    private static V1NodeSelectorTerm Term(string key, string value) =>
        new() { MatchExpressions = [new V1NodeSelectorRequirement { Key = key, OperatorProperty = "In", Values = [value] }] };
}
