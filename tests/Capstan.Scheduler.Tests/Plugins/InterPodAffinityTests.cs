using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Plugins;

public sealed class InterPodAffinityTests
{
    private static V1PodAffinityTerm Term(string app, string key = "kubernetes.io/hostname") => new()
    {
        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } },
        TopologyKey = key,
    };

    private static PodInfo Labelled(string name, string app, V1Affinity? affinity = null)
    {
        var pod = Pod(name);
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = app };
        pod.Spec.Affinity = affinity;
        return Info(pod);
    }

    private static NodeInfo Zoned(string name, string zone) =>
        NodeInfo(Node(name, labels: new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, ["zone"] = zone }));

    private static Dictionary<string, bool> Feasible(PodInfo pod, params NodeInfo[] nodes)
    {
        var plugin = new InterPodAffinity();
        Assert.True(plugin.PreFilter(pod, new SchedulingContext(nodes)).IsSuccess);
        return nodes.ToDictionary(n => n.Name, n => plugin.Filter(pod, n).IsSuccess);
    }

    [Fact]
    public void Filter_RequiredAntiAffinity_RejectsOnlyTheDomainWithAMatchingPod()
    {
        var a = Zoned("a", "z1");
        var b = Zoned("b", "z1");
        var c = Zoned("c", "z2");
        a.AddPod(Labelled("web-1", "web"));
        var pod = Labelled("web-2", "web", new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("web")] } });

        Assert.Equal(new Dictionary<string, bool> { ["a"] = false, ["b"] = true, ["c"] = true }, Feasible(pod, a, b, c));

        var zonal = Labelled("web-3", "web", new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("web", "zone")] } });
        Assert.Equal(new Dictionary<string, bool> { ["a"] = false, ["b"] = false, ["c"] = true }, Feasible(zonal, a, b, c));
    }

    [Fact]
    public void Filter_RequiredAffinity_NeedsAMatchingPodInTheDomain()
    {
        var a = Zoned("a", "z1");
        var b = Zoned("b", "z1");
        var c = Zoned("c", "z2");
        a.AddPod(Labelled("db", "db"));
        var pod = Labelled("web", "web", new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("db", "zone")] } });

        Assert.Equal(new Dictionary<string, bool> { ["a"] = true, ["b"] = true, ["c"] = false }, Feasible(pod, a, b, c));
    }

    [Fact]
    public void Filter_RequiredAffinityToItsOwnGroup_FirstPodGoesAnywhere()
    {
        var pod = Labelled("web-1", "web", new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("web", "zone")] } });

        Assert.All(Feasible(pod, Zoned("a", "z1"), Zoned("b", "z2")).Values, Assert.True);
    }

    [Fact]
    public void Filter_ExistingPodsAntiAffinity_RejectsTheIncomingPod()
    {
        var a = Zoned("a", "z1");
        var b = Zoned("b", "z2");
        a.AddPod(Labelled("loner", "loner", new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("web")] } }));

        var result = Feasible(Labelled("web", "web"), a, b);

        Assert.Equal(new Dictionary<string, bool> { ["a"] = false, ["b"] = true }, result);
    }

    [Fact]
    public void Filter_OtherNamespace_IsNotCountedUnlessListed()
    {
        var a = Zoned("a", "z1");
        var other = Pod("web-x");
        other.Metadata.NamespaceProperty = "other";
        other.Metadata.Labels = new Dictionary<string, string> { ["app"] = "web" };
        a.AddPod(Info(other));
        var term = Term("web");
        var pod = Labelled("web", "web", new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [term] } });

        Assert.True(Feasible(pod, a)["a"]);

        term.Namespaces = ["other"];
        var listed = Labelled("web2", "web", new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [term] } });
        Assert.False(Feasible(listed, a)["a"]);
    }

    [Fact]
    public void Score_PreferredAntiAffinity_FavoursNodesWithoutMatches()
    {
        var a = Zoned("a", "z1");
        var b = Zoned("b", "z2");
        a.AddPod(Labelled("web-1", "web"));
        var pod = Labelled("web-2", "web", new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity { PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 10, PodAffinityTerm = Term("web") }] },
        });
        var plugin = new InterPodAffinity();
        plugin.PreFilter(pod, new SchedulingContext([a, b]));
        var scores = new long[2];

        plugin.Score(pod, [a, b], scores);

        Assert.Equal([0L, 100L], scores);
    }
}
