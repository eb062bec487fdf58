using System.Runtime.InteropServices;
using Capstan.Scheduler.Cache;
using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Plugins;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Cache;

/// <summary>
/// The cache's topology index against a recount from scratch, and the PreFilters with the index against the same
/// PreFilters walking every pod, after seeded random sequences of node and pod changes.
/// </summary>
public sealed class TopologyIndexTests
{
    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Index_AfterRandomChanges_EqualsRecount(int seed)
    {
        var cluster = new RandomCluster(seed);
        // Probes asked for early, so that their counts are built on a small cluster and then kept up incrementally.
        var probes = Enumerable.Range(0, 12).Select(_ => Info(cluster.RandomPod())).ToList();
        var log = new List<string>();
        for (var step = 0; step < 400; step++)
        {
            log.Add(cluster.Step());
            if (step % 50 == 0)
            {
                cluster.Cache.WithIndex(index => Touch(index, probes));
            }
        }

        cluster.Cache.WithNodes(nodes =>
        {
            var index = ((NodeSnapshot)nodes).Index;
            var counted = nodes.SelectMany(n => n.Pods.Where(p => !p.IsDeleting).Select(p => (Pod: p, Node: n))).ToList();
            var context = string.Join("; ", log.TakeLast(20));
            Assert.Equal(nodes.Count, index.NodeCount);
            Assert.Equal(nodes.Count(n => n.Taints.Count > 0), index.TaintedNodeCount);
            foreach (var key in new[] { RandomCluster.Zone, RandomCluster.Host, "disk" })
            {
                Assert.Equal(Recount(nodes.Where(n => n.Labels.ContainsKey(key)).Select(n => n.Labels[key])), Sorted(index.Domains(key)));
            }

            foreach (var probe in probes)
            {
                foreach (var constraint in probe.SpreadConstraints)
                {
                    var counts = index.Spread(probe.Namespace, constraint);
                    var matching = counted.Where(c => c.Pod.Namespace == probe.Namespace && constraint.Selector.Matches(c.Pod.Labels)).ToList();
                    Assert.True(
                        Recount(matching.Where(c => c.Node.Labels.ContainsKey(constraint.TopologyKey)).Select(c => c.Node.Labels[constraint.TopologyKey])).SequenceEqual(Sorted(counts.PerDomain)),
                        $"spread {constraint.SelectorSignature} by {constraint.TopologyKey} after {context}");
                    Assert.Equal(Recount(matching.Select(c => c.Node.Name)), Sorted(counts.PerNode.ToDictionary(kv => kv.Key.Name, kv => kv.Value)));
                }

                foreach (var term in AllTerms(probe).Where(TopologyIndex.CanCount))
                {
                    var counts = index.Term(term);
                    var matching = counted.Where(c => term.Matches(c.Pod, RandomCluster.NamespaceLabels)).ToList();
                    Assert.Equal(matching.Select(c => c.Pod.Uid).Order(), counts.Members.Select(p => p.Uid).Order());
                    Assert.True(
                        Recount(matching.Where(c => c.Node.Labels.ContainsKey(term.TopologyKey)).Select(c => c.Node.Labels[term.TopologyKey])).SequenceEqual(Sorted(counts.PerDomain)),
                        $"term {term.Signature} after {context}");
                }
            }

            var expected = counted
                .SelectMany(c => Existing(c.Pod).Where(t => c.Node.Labels.ContainsKey(t.Term.TopologyKey)).Select(t => (Group: $"{t.Kind}/{t.Term.Weight}/{t.Term.Signature}", Value: c.Node.Labels[t.Term.TopologyKey])))
                .GroupBy(x => x.Group)
                .ToDictionary(g => g.Key, g => Recount(g.Select(x => x.Value)));
            var actual = index.ExistingTerms.ToDictionary(g => $"{g.Kind}/{g.Term.Weight}/{g.Term.Signature}", g => Sorted(g.PerDomain));
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (group, domains) in expected)
            {
                Assert.Equal(domains, actual[group]);
            }

            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void PreFilters_WithAndWithoutIndex_Agree(int seed)
    {
        var cluster = new RandomCluster(seed);
        for (var i = 0; i < 8; i++)
        {
            var name = $"n{i}";
            cluster.Cache.AddOrUpdateNode(Json(cluster.RandomNode(name)));
        }

        var indexed = SchedulingFramework.Create(new Capstan.Scheduler.Configuration.SchedulerProfile(), new Random(seed));
        var walked = SchedulingFramework.Create(new Capstan.Scheduler.Configuration.SchedulerProfile(), new Random(seed));
        for (var step = 0; step < 300; step++)
        {
            var what = cluster.Step();
            var pod = Info(cluster.RandomPod());
            cluster.Cache.WithNodes(nodes =>
            {
                var copy = nodes.ToList();
                foreach (var (withIndex, withoutIndex) in new (IPreFilterPlugin, IPreFilterPlugin)[] { (new PodTopologySpread(), new PodTopologySpread()), (new InterPodAffinity(), new InterPodAffinity()) })
                {
                    Assert.True(withIndex.PreFilter(pod, new SchedulingContext(nodes, RandomCluster.NamespaceLabels) { Index = ((NodeSnapshot)nodes).Index }).IsSuccess);
                    Assert.True(withoutIndex.PreFilter(pod, new SchedulingContext(copy, RandomCluster.NamespaceLabels)).IsSuccess);
                    foreach (var node in copy)
                    {
                        var a = ((IFilterPlugin)withIndex).Filter(pod, node);
                        var b = ((IFilterPlugin)withoutIndex).Filter(pod, node);
                        Assert.True(a.Code == b.Code && a.Reasons.SequenceEqual(b.Reasons), $"{withIndex.Name} on {node.Name} at step {step} after {what}: {a.Code} vs {b.Code}");
                    }

                    var scoredA = new long[copy.Count];
                    var scoredB = new long[copy.Count];
                    ((IScorePlugin)withIndex).Score(pod, CollectionsMarshal.AsSpan(copy), scoredA);
                    ((IScorePlugin)withoutIndex).Score(pod, CollectionsMarshal.AsSpan(copy), scoredB);
                    Assert.Equal(scoredB, scoredA);
                }

                var chosen = indexed.Schedule(pod, nodes, RandomCluster.NamespaceLabels);
                var reference = walked.Schedule(pod, copy, RandomCluster.NamespaceLabels);
                Assert.Equal(reference.Node?.Name, chosen.Node?.Name);
                Assert.Equal(reference.Error?.Message, chosen.Error?.Message);
                if (chosen.Node is { } node2)
                {
                    cluster.Cache.Assume(pod, node2.Name);
                }

                return 0;
            });
        }
    }

    [Fact]
    public void Spread_NodeRelabelled_MovesItsPodsToTheNewDomain()
    {
        var cache = new SchedulerCache();
        cache.AddOrUpdateNode(Json(Node("n", labels: new Dictionary<string, string> { ["zone"] = "a" })));
        var pod = Pod("web");
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "web" };
        cache.Assume(Info(pod), "n");
        var constraint = new TopologySpreadConstraint(1, "zone", true, Capstan.Api.Selectors.LabelSelector.Parse("app=web"), 1, true, false);

        Assert.Equal(1, cache.WithIndex(i => i.Spread("default", constraint).PerDomain["a"]));
        cache.AddOrUpdateNode(Json(Node("n", labels: new Dictionary<string, string> { ["zone"] = "b" })));
        Assert.Equal(["b"], cache.WithIndex(i => i.Spread("default", constraint).PerDomain.Keys.ToList()));
        cache.RemoveNode("n");
        Assert.Empty(cache.WithIndex(i => i.Spread("default", constraint).PerDomain));
        Assert.False(cache.WithIndex(i => i.IsCounted(pod.Metadata.Uid)));
    }

    private static int Touch(TopologyIndex index, List<PodInfo> probes)
    {
        foreach (var probe in probes)
        {
            foreach (var constraint in probe.SpreadConstraints)
            {
                index.Spread(probe.Namespace, constraint);
                index.Domains(constraint.TopologyKey);
            }

            foreach (var term in AllTerms(probe).Where(TopologyIndex.CanCount))
            {
                index.Term(term);
            }
        }

        return index.Domains("disk").Count;
    }

    private static IEnumerable<PodAffinityTerm> AllTerms(PodInfo pod) =>
        pod.RequiredAffinity.Concat(pod.RequiredAntiAffinity).Concat(pod.PreferredAffinity).Concat(pod.PreferredAntiAffinity);

    private static IEnumerable<(PodAffinityTerm Term, ExistingTermKind Kind)> Existing(PodInfo pod) =>
        pod.RequiredAntiAffinity.Select(t => (t, ExistingTermKind.RequiredAntiAffinity))
            .Concat(pod.RequiredAffinity.Select(t => (t, ExistingTermKind.RequiredAffinity)))
            .Concat(pod.PreferredAffinity.Select(t => (t, ExistingTermKind.PreferredAffinity)))
            .Concat(pod.PreferredAntiAffinity.Select(t => (t, ExistingTermKind.PreferredAntiAffinity)));

    private static List<KeyValuePair<string, int>> Recount(IEnumerable<string> values) =>
        [.. values.GroupBy(v => v).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderBy(kv => kv.Key, StringComparer.Ordinal)];

    private static List<KeyValuePair<string, int>> Sorted(IReadOnlyDictionary<string, int> counts) =>
        [.. counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
}
