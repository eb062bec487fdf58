using Capstan.Scheduler.Configuration;
using Capstan.Scheduler.Framework;
using FsCheck.Xunit;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Properties;

/// <summary>
/// Whatever the workload, every placement the framework makes keeps its promises: no node's requests exceed its
/// allocatable or pod limit, no two pods of an anti-affinity group share a node, and zone spread stays within maxSkew.
/// FsCheck supplies the seeds; each seed is one random cluster and a random stream of pods placed one after another.
/// </summary>
public sealed class PlacementProperties
{
    private const string Zone = "topology.kubernetes.io/zone";

    [Property(MaxTest = 60)]
    public bool Placements_NeverBreakResourcesAntiAffinityOrSpread(int seed, bool mostAllocated)
    {
        var random = new Random(seed);
        var nodes = Enumerable.Range(0, random.Next(3, 9)).Select(i => NodeInfo(Node(
            $"n{i}",
            cpu: $"{random.Next(1, 5)}",
            memory: $"{random.Next(1, 9)}Gi",
            pods: $"{random.Next(2, 12)}",
            labels: new Dictionary<string, string> { ["kubernetes.io/hostname"] = $"n{i}", [Zone] = $"z{i % 3}" }))).ToList();
        var profile = new SchedulerProfile
        {
            ScoringStrategy = mostAllocated ? new ScoringStrategy(ScoringStrategy.MostAllocated, ScoringStrategy.DefaultResources, []) : ScoringStrategy.Default,
        };
        var framework = SchedulingFramework.Create(profile, new Random(seed));
        var placed = new List<(PodInfo Pod, NodeInfo Node, string Kind)>();
        for (var i = 0; i < random.Next(10, 60); i++)
        {
            var kind = random.Next(3) switch { 0 => "anti", 1 => "spread", _ => "plain" };
            var pod = Pod($"p{i}", Container(cpu: $"{random.Next(1, 12) * 100}m", memory: $"{random.Next(1, 12) * 128}Mi"));
            pod.Metadata.Labels = new Dictionary<string, string> { ["kind"] = kind, ["group"] = $"g{random.Next(3)}" };
            if (kind == "anti")
            {
                pod.Spec.Affinity = new V1Affinity
                {
                    PodAntiAffinity = new V1PodAntiAffinity
                    {
                        RequiredDuringSchedulingIgnoredDuringExecution =
                        [
                            new V1PodAffinityTerm
                            {
                                LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kind"] = "anti", ["group"] = pod.Metadata.Labels["group"] } },
                                TopologyKey = "kubernetes.io/hostname",
                            },
                        ],
                    },
                };
            }
            else if (kind == "spread")
            {
                pod.Spec.TopologySpreadConstraints =
                [
                    new V1TopologySpreadConstraint
                    {
                        MaxSkew = 1,
                        TopologyKey = Zone,
                        WhenUnsatisfiable = "DoNotSchedule",
                        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kind"] = "spread" } },
                    },
                ];
            }

            var info = Info(pod);
            var result = framework.Schedule(info, nodes);
            if (result.Node is { } node)
            {
                node.AddPod(info);
                placed.Add((info, node, kind));
            }
        }

        var fits = nodes.All(n => n.Requested.MilliCpu <= n.Allocatable.MilliCpu && n.Requested.MemoryBytes <= n.Allocatable.MemoryBytes && n.PodCount <= n.AllowedPods);
        var apart = placed.Where(p => p.Kind == "anti").GroupBy(p => p.Pod.Labels["group"]).All(g => g.Select(p => p.Node.Name).Distinct().Count() == g.Count());
        var zones = placed.Where(p => p.Kind == "spread").GroupBy(p => p.Node.Labels[Zone]).ToDictionary(g => g.Key, g => g.Count());
        var counts = new[] { "z0", "z1", "z2" }.Select(z => zones.GetValueOrDefault(z)).ToList();
        var spread = counts.Max() - counts.Min() <= 1;
        return fits && apart && spread;
    }
}
