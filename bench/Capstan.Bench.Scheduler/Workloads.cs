using System.Globalization;
using k8s.Models;

namespace Capstan.Bench.Scheduler;

/// <summary>The pods of each run, and the checks that their placement obeys their constraints.</summary>
public static class Workloads
{
    public const string MostAllocatedConfig = """
        apiVersion: kubescheduler.config.k8s.io/v1
        kind: KubeSchedulerConfiguration
        profiles:
        - schedulerName: default-scheduler
          pluginConfig:
          - name: NodeResourcesFit
            args:
              scoringStrategy:
                type: MostAllocated
                resources:
                - name: cpu
                  weight: 1
                - name: memory
                  weight: 1
        """;

    /// <summary>Copies of the first <paramref name="count"/> pods of a workload, named warm-0, warm-1...</summary>
    public static IReadOnlyList<V1Pod> WarmUp(IReadOnlyList<V1Pod> workload, int count) =>
        [.. workload.Take(count).Select((pod, i) =>
        {
            var copy = k8s.KubernetesJson.Deserialize<V1Pod>(k8s.KubernetesJson.Serialize(pod));
            copy.Metadata.Name = string.Create(CultureInfo.InvariantCulture, $"warm-{i}");
            return copy;
        })];

    public static IReadOnlyList<V1Pod> Plain(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Pod($"plain-{i}", "10m", "16Mi", new Dictionary<string, string> { ["app"] = "plain" }))];

    /// <summary>Pods in groups; no two pods of a group may share a node.</summary>
    public static IReadOnlyList<V1Pod> AntiAffinity(int count, int groups) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var group = Group(i, groups);
            var pod = Pod($"anti-{i}", "10m", "16Mi", new Dictionary<string, string> { ["group"] = group });
            pod.Spec.Affinity = new V1Affinity
            {
                PodAntiAffinity = new V1PodAntiAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution =
                    [
                        new V1PodAffinityTerm
                        {
                            LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["group"] = group } },
                            TopologyKey = "kubernetes.io/hostname",
                        },
                    ],
                },
            };
            return pod;
        })];

    public static IReadOnlyList<V1Pod> Spread(int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var pod = Pod($"spread-{i}", "10m", "16Mi", new Dictionary<string, string> { ["app"] = "spread" });
            pod.Spec.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = 1,
                    TopologyKey = "topology.kubernetes.io/zone",
                    WhenUnsatisfiable = "DoNotSchedule",
                    LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "spread" } },
                },
            ];
            return pod;
        })];

    /// <summary>Pods of random sizes (seeded) and the lower bound on nodes: total requests over one node's capacity.</summary>
    public static (IReadOnlyList<V1Pod> Pods, int LowerBound) Packing(int count, int seed, long nodeCpuMillis, long nodeMemory)
    {
        var random = new Random(seed);
        var pods = new List<V1Pod>(count);
        long cpu = 0;
        long memory = 0;
        for (var i = 0; i < count; i++)
        {
            var podCpu = random.Next(1, 17) * 250L;
            var podMemory = random.Next(1, 33) * (256L << 20);
            cpu += podCpu;
            memory += podMemory;
            pods.Add(Pod($"pack-{i}", $"{podCpu}m", $"{podMemory / (1 << 20)}Mi", new Dictionary<string, string> { ["app"] = "pack" }));
        }

        var bound = (int)Math.Max(Math.Ceiling((double)cpu / nodeCpuMillis), Math.Ceiling((double)memory / nodeMemory));
        return (pods, bound);
    }

    public static int AntiAffinityViolations(WorkloadResult result, int groups) =>
        result.NodeOf.GroupBy(kv => Group(int.Parse(kv.Key["anti-".Length..], CultureInfo.InvariantCulture), groups))
            .Sum(g => g.Count() - g.Select(kv => kv.Value).Distinct().Count());

    /// <summary>Simulated node i is in zone i mod zones (--fake-node-zones).</summary>
    public static int ZoneSkew(WorkloadResult result, int zones)
    {
        var counts = new int[zones];
        foreach (var node in result.NodeOf.Values)
        {
            counts[int.Parse(node[(node.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture) % zones]++;
        }

        return counts.Max() - counts.Min();
    }

    private static string Group(int i, int groups) => "g" + (i % groups).ToString(CultureInfo.InvariantCulture);

    private static V1Pod Pod(string name, string cpu, string memory, Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "registry.k8s.io/pause:3.10",
                    ImagePullPolicy = "IfNotPresent",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
                    },
                },
            ],
            TerminationGracePeriodSeconds = 0,
        },
    };
}
