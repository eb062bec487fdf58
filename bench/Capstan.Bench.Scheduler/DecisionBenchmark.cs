using System.Diagnostics;
using System.Text.Json.Nodes;
using Capstan.Scheduler.Cache;
using Capstan.Scheduler.Configuration;
using Capstan.Scheduler.Framework;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Scheduler;

/// <summary>
/// The scheduler's decisions alone, in this process, with no API server: the same pods as the end-to-end runs, decided
/// one after another against the scheduler cache holding N nodes (each placed pod assumed on its node, as the
/// scheduling loop does, so the cache's topology index stays current). This is the ceiling the scheduling loop puts on throughput; the end-to-end figure adds pod creation,
/// binding writes, watches and the simulated nodes' status writes, all sharing the machine.
/// </summary>
public static class DecisionBenchmark
{
    public static (double PodsPerSecond, double P50Us, double P99Us, int Placed, int NodesUsed) Run(
        IReadOnlyList<V1Pod> pods, int nodes, int zones, SchedulerProfile profile, string cpu = "32", string memory = "256Gi")
    {
        var cache = new SchedulerCache();
        for (var i = 0; i < nodes; i++)
        {
            var labels = new JsonObject { ["kubernetes.io/hostname"] = $"fake-node-{i}" };
            if (zones > 0)
            {
                labels["topology.kubernetes.io/zone"] = $"zone-{i % zones}";
            }

            cache.AddOrUpdateNode(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = $"fake-node-{i}", ["labels"] = labels },
                ["spec"] = new JsonObject(),
                ["status"] = new JsonObject { ["allocatable"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory, ["pods"] = "110" } },
            });
        }

        var framework = SchedulingFramework.Create(profile, new Random(1));
        var parsed = pods.Select((p, i) =>
        {
            var json = JsonNode.Parse(KubernetesJson.Serialize(p))!.AsObject();
            json["metadata"]!["namespace"] = "bench";
            json["metadata"]!["uid"] = $"uid-{i}";
            json["spec"]!["schedulerName"] = "default-scheduler";
            return PodInfo.From(json);
        }).ToList();
        var latencies = new double[parsed.Count];
        var placed = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < parsed.Count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var pod = parsed[i];
            var result = cache.WithNodes(infos =>
            {
                var r = framework.Schedule(pod, infos);
                if (r.Node is { } node)
                {
                    cache.Assume(pod, node.Name);
                }

                return r;
            });
            placed += result.Node is null ? 0 : 1;

            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        total.Stop();
        // CPU time is steadier than wall-clock rates on a shared machine: report it per decision beside the table.
        var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        // And whether the constraints held: the zone skew of all placed pods, and nodes holding two pods of one anti-affinity group.
        var (skew, crowded) = cache.WithNodes(infos =>
        {
            var perZone = infos.Where(n => n.Labels.ContainsKey("topology.kubernetes.io/zone"))
                .GroupBy(n => n.Labels["topology.kubernetes.io/zone"]).Select(g => g.Sum(n => n.PodCount)).ToList();
            var twice = infos.Count(n => n.Pods.Where(p => p.Labels.ContainsKey("group")).GroupBy(p => p.Labels["group"]).Any(g => g.Count() > 1));
            return (perZone.Count == 0 ? 0 : perZone.Max() - perZone.Min(), twice);
        });
        Console.Error.WriteLine(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"  {parsed.Count} decisions on {nodes} nodes: {cpuTime.TotalMilliseconds:F0} ms CPU, {cpuTime.TotalMicroseconds / parsed.Count:F1} µs CPU per decision; zone skew {skew}, nodes with two pods of a group {crowded}"));
        Array.Sort(latencies);
        return (parsed.Count / total.Elapsed.TotalSeconds, latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)], placed, cache.WithNodes(infos => infos.Count(n => n.PodCount > 0)));
    }
}
