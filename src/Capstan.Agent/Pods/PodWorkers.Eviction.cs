using Capstan.Agent.Eviction;
using k8s.Models;

namespace Capstan.Agent.Pods;

internal sealed partial class PodWorkers : IEvictablePods
{
    public IReadOnlyList<V1Pod> ActivePods() => [.. _workers.Values.Where(w => w.IsActive).Select(w => w.Pod)];

    public Task EvictAsync(V1Pod pod, PodEviction eviction, CancellationToken ct) =>
        _workers.TryGetValue(pod.Metadata.Uid, out var worker) ? worker.EvictAsync(eviction, ct) : Task.CompletedTask;
}
