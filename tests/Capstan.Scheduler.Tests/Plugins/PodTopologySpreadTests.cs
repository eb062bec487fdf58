using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class PodTopologySpreadTests
{
    private static PodInfo Spread(string name, int maxSkew = 1, string when = "DoNotSchedule", int? minDomains = null)
    {
        var pod = Pod(name);
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "web" };
        pod.Spec.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = maxSkew,
                TopologyKey = "zone",
                WhenUnsatisfiable = when,
                MinDomains = minDomains,
                LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        ];
        return Info(pod);
    }

    private static NodeInfo Zone(string name, string? zone, int webPods)
    {
        var labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name };
        if (zone is not null)
        {
            labels["zone"] = zone;
        }

        var node = NodeInfo(Node(name, labels: labels));
        for (var i = 0; i < webPods; i++)
        {
            var pod = Pod($"{name}-web-{i}");
            pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "web" };
            node.AddPod(Info(pod));
        }

        return node;
    }

    // Zones a=3, b=2, c=2: with maxSkew 1 only b and c take the next pod; with maxSkew 2 all do.
    [Theory]
    [InlineData(1, false, true, true)]
    [InlineData(2, true, true, true)]
    public void Filter_MaxSkew_RejectsTheCrowdedDomain(int maxSkew, bool a, bool b, bool c)
    {
        var nodes = new[] { Zone("a", "za", 3), Zone("b", "zb", 2), Zone("c", "zc", 2) };
        var pod = Spread("new", maxSkew);
        var plugin = new PodTopologySpread();
        plugin.PreFilter(pod, new SchedulingContext(nodes));

        Assert.Equal([a, b, c], nodes.Select(n => plugin.Filter(pod, n).IsSuccess));
    }

    [Fact]
    public void Filter_NodeWithoutTheKey_IsUnresolvable()
    {
        var nodes = new[] { Zone("a", "za", 0), Zone("bare", null, 0) };
        var pod = Spread("new");
        var plugin = new PodTopologySpread();
        plugin.PreFilter(pod, new SchedulingContext(nodes));

        var status = plugin.Filter(pod, nodes[1]);

        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, status.Code);
        Assert.Equal(PodTopologySpread.MissingLabelReason, status.Reasons.Single());
    }

    [Fact]
    public void Filter_FewerDomainsThanMinDomains_TreatsTheMinimumAsZero()
    {
        // One zone with 1 pod: without minDomains the skew is 1+1-1 = 1 (fits); with minDomains 2 it is 1+1-0 = 2.
        var nodes = new[] { Zone("a", "za", 1) };
        var plugin = new PodTopologySpread();

        var plain = Spread("p1");
        plugin.PreFilter(plain, new SchedulingContext(nodes));
        Assert.True(plugin.Filter(plain, nodes[0]).IsSuccess);

        var strict = Spread("p2", minDomains: 2);
        plugin.PreFilter(strict, new SchedulingContext(nodes));
        Assert.False(plugin.Filter(strict, nodes[0]).IsSuccess);
    }

    [Fact]
    public void Score_ScheduleAnyway_PrefersTheEmptierDomain()
    {
        var nodes = new[] { Zone("a", "za", 4), Zone("b", "zb", 0), Zone("c", "zc", 2) };
        var pod = Spread("new", when: "ScheduleAnyway");
        var plugin = new PodTopologySpread();
        plugin.PreFilter(pod, new SchedulingContext(nodes));
        var scores = new long[3];

        plugin.Score(pod, nodes, scores);

        Assert.Equal([0L, 100L, 50L], scores);
        Assert.True(plugin.Filter(pod, nodes[0]).IsSuccess);
    }
}
