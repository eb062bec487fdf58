using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>
/// The order pods are evicted in under pressure, as the kubelet ranks them: first those whose usage of the starved
/// resource exceeds their request, then lower priority first, then the larger usage above request. Where the runtime
/// reports no usage, a pod counts as over its request unless it is Guaranteed, and the QoS class (BestEffort, then
/// Burstable, then Guaranteed) stands in for the usage above request — the order Kubernetes gives in practice.
/// Critical pods (priority at least system-cluster-critical's 2000000000) are never evicted.
/// </summary>
internal static class EvictionRanking
{
    public const int SystemCriticalPriority = 2_000_000_000;

    /// <param name="usage">Bytes (or inodes) a pod uses of <paramref name="resource"/>, or null when unknown.</param>
    public static IReadOnlyList<V1Pod> Rank(IEnumerable<V1Pod> pods, string resource, Func<V1Pod, long?> usage)
    {
        return pods
            .Where(p => (p.Spec.Priority ?? 0) < SystemCriticalPriority)
            .Select(p =>
            {
                var qos = EvictionQos.Of(p);
                var request = Request(p, resource);
                var used = usage(p);
                var exceeds = used is { } u ? u > request : qos != EvictionQos.Guaranteed;
                return (Pod: p, Exceeds: exceeds, Priority: p.Spec.Priority ?? 0, Qos: used is null ? EvictionQos.Rank(qos) : 0, Above: used is { } v ? v - request : -request);
            })
            .OrderByDescending(x => x.Exceeds)
            .ThenBy(x => x.Priority)
            .ThenBy(x => x.Qos)
            .ThenByDescending(x => x.Above)
            .Select(x => x.Pod)
            .ToList();
    }

    /// <summary>The pod's effective request: the larger of its containers' sum and any one init container's.</summary>
    public static long Request(V1Pod pod, string resource)
    {
        static long Of(V1Container c, string resource) =>
            c.Resources?.Requests?.TryGetValue(resource, out var q) == true ? (long)q.ToDecimal()
            : c.Resources?.Limits?.TryGetValue(resource, out var l) == true ? (long)l.ToDecimal() : 0;

        var sum = pod.Spec.Containers?.Sum(c => Of(c, resource)) ?? 0;
        var sidecars = pod.Spec.InitContainers?.Where(c => c.RestartPolicy == "Always").Sum(c => Of(c, resource)) ?? 0;
        var init = pod.Spec.InitContainers?.Where(c => c.RestartPolicy != "Always").Select(c => Of(c, resource)).DefaultIfEmpty(0).Max() ?? 0;
        return Math.Max(sum + sidecars, init);
    }
}
