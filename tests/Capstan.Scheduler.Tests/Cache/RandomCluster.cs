using Capstan.Scheduler.Cache;
using Capstan.Scheduler.Framework;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Cache;

/// <summary>
/// A seeded random cluster driven through the scheduler cache: nodes that come, go and change labels and taints, pods
/// bound, assumed, forgotten, deleted, terminated and marked for deletion, with every kind of (anti-)affinity term and
/// spread constraint. Small on purpose (few nodes, zones and labels) so that selectors overlap and domains collide.
/// </summary>
internal sealed class RandomCluster
{
    public const string Zone = "zone";
    public const string Host = "kubernetes.io/hostname";

    private static readonly string[] Apps = ["web", "db", "cache"];
    private static readonly string[] Namespaces = ["ns-a", "ns-b"];
    private static readonly Dictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabelsByName = new()
    {
        ["ns-a"] = new Dictionary<string, string> { ["team"] = "a" },
        ["ns-b"] = new Dictionary<string, string> { ["team"] = "b" },
    };

    private readonly Random _random;
    private readonly List<V1Pod> _pods = [];
    private int _next;

    public RandomCluster(int seed)
    {
        _random = new Random(seed);
    }

    public SchedulerCache Cache { get; } = new();

    public static Func<string, IReadOnlyDictionary<string, string>?> NamespaceLabels { get; } = ns => NamespaceLabelsByName.GetValueOrDefault(ns);

    public string RandomNodeName() => $"n{_random.Next(8)}";

    public V1Node RandomNode(string name)
    {
        var labels = new Dictionary<string, string> { [Host] = name };
        if (_random.Next(10) > 0)
        {
            labels[Zone] = $"z{_random.Next(3)}";
        }

        if (_random.Next(3) == 0)
        {
            labels["disk"] = "ssd";
        }

        return _random.Next(5) == 0
            ? Node(name, cpu: "64", memory: "256Gi", labels: labels, taints: new V1Taint { Key = "dedicated", Value = "x", Effect = "NoSchedule" })
            : Node(name, cpu: "64", memory: "256Gi", labels: labels);
    }

    /// <summary>A pod with random labels and, as likely as not, affinity terms, spread constraints, a node selector and a toleration.</summary>
    public V1Pod RandomPod()
    {
        var pod = Pod($"p{_next++}", Container(cpu: "10m", memory: "16Mi"));
        pod.Metadata.NamespaceProperty = Namespaces[_random.Next(Namespaces.Length)];
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = Apps[_random.Next(Apps.Length)] };
        if (_random.Next(2) == 0)
        {
            pod.Metadata.Labels["tier"] = _random.Next(2) == 0 ? "front" : "back";
        }

        var affinity = new V1Affinity();
        if (_random.Next(3) == 0)
        {
            affinity.PodAntiAffinity = new V1PodAntiAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = _random.Next(4) == 0 ? null : [Term()],
                PreferredDuringSchedulingIgnoredDuringExecution = _random.Next(2) == 0 ? null : [new V1WeightedPodAffinityTerm { PodAffinityTerm = Term(), Weight = _random.Next(0, 101) }],
            };
        }

        if (_random.Next(4) == 0)
        {
            affinity.PodAffinity = new V1PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = _random.Next(2) == 0 ? null : [.. Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Term())],
                PreferredDuringSchedulingIgnoredDuringExecution = _random.Next(2) == 0 ? null : [new V1WeightedPodAffinityTerm { PodAffinityTerm = Term(), Weight = _random.Next(1, 101) }],
            };
        }

        if (affinity.PodAffinity is not null || affinity.PodAntiAffinity is not null)
        {
            pod.Spec.Affinity = affinity;
        }

        if (_random.Next(2) == 0)
        {
            pod.Spec.TopologySpreadConstraints = [.. Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Spread())];
        }

        if (_random.Next(6) == 0)
        {
            pod.Spec.NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" };
        }

        if (_random.Next(4) == 0)
        {
            pod.Spec.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Exists" }];
        }

        return pod;
    }

    /// <summary>One random change to the cache; returns what it did (for failure messages).</summary>
    public string Step()
    {
        switch (_random.Next(10))
        {
            case 0 or 1:
            {
                var name = RandomNodeName();
                Cache.AddOrUpdateNode(Json(RandomNode(name)));
                return $"node {name} set";
            }

            case 2:
            {
                var name = RandomNodeName();
                Cache.RemoveNode(name);
                return $"node {name} removed";
            }

            case 3 or 4:
            {
                var pod = RandomPod();
                pod.Spec.NodeName = RandomNodeName();
                _pods.Add(pod);
                Cache.AddOrUpdatePod(Info(pod));
                return $"pod {pod.Metadata.Name} bound to {pod.Spec.NodeName}";
            }

            case 5:
            {
                var pod = RandomPod();
                _pods.Add(pod);
                var node = RandomNodeName();
                Cache.Assume(Info(pod), node);
                return $"pod {pod.Metadata.Name} assumed on {node}";
            }

            case 6 when _pods.Count > 0:
            {
                var pod = _pods[_random.Next(_pods.Count)];
                Cache.Forget(pod.Metadata.Uid);
                return $"pod {pod.Metadata.Name} forgotten";
            }

            case 7 when _pods.Count > 0:
            {
                var pod = _pods[_random.Next(_pods.Count)];
                _pods.Remove(pod);
                Cache.RemovePod(pod.Metadata.Uid);
                return $"pod {pod.Metadata.Name} deleted";
            }

            case 8 when _pods.Count > 0:
            {
                var pod = _pods[_random.Next(_pods.Count)];
                pod.Spec.NodeName ??= RandomNodeName();
                pod.Metadata.DeletionTimestamp = DateTime.UtcNow;
                Cache.AddOrUpdatePod(Info(pod));
                return $"pod {pod.Metadata.Name} being deleted on {pod.Spec.NodeName}";
            }

            case 9 when _pods.Count > 0:
            {
                var pod = _pods[_random.Next(_pods.Count)];
                pod.Status = new V1PodStatus { Phase = "Succeeded" };
                Cache.AddOrUpdatePod(Info(pod));
                return $"pod {pod.Metadata.Name} succeeded";
            }

            default:
                return "nothing";
        }
    }

    private V1PodAffinityTerm Term()
    {
        var term = new V1PodAffinityTerm
        {
            LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = Apps[_random.Next(Apps.Length)] } },
            TopologyKey = _random.Next(2) == 0 ? Zone : Host,
        };
        switch (_random.Next(5))
        {
            case 0:
                term.Namespaces = ["ns-a", "ns-b"];
                break;
            case 1:
                term.NamespaceSelector = new V1LabelSelector();
                break;
            case 2:
                term.NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = "b" } };
                break;
        }

        if (_random.Next(4) == 0)
        {
            term.MatchLabelKeys = ["tier"];
        }

        return term;
    }

    private V1TopologySpreadConstraint Spread() => new()
    {
        MaxSkew = _random.Next(1, 3),
        TopologyKey = _random.Next(3) == 0 ? Host : Zone,
        WhenUnsatisfiable = _random.Next(3) == 0 ? "ScheduleAnyway" : "DoNotSchedule",
        MinDomains = _random.Next(4) == 0 ? _random.Next(2, 5) : null,
        NodeAffinityPolicy = _random.Next(4) == 0 ? "Ignore" : null,
        NodeTaintsPolicy = _random.Next(3) == 0 ? "Honor" : null,
        MatchLabelKeys = _random.Next(4) == 0 ? ["tier"] : null,
        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = Apps[_random.Next(Apps.Length)] } },
    };
}
