using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>The pods the eviction manager may pick from, and how it evicts one (the pod workers implement it).</summary>
internal interface IEvictablePods
{
    /// <summary>Pods this node runs that are neither finished nor being deleted.</summary>
    IReadOnlyList<V1Pod> ActivePods();

    /// <summary>Fails the pod with reason Evicted and <paramref name="message"/>; completes once its containers are stopped and the status is posted (or the pod is gone).</summary>
    Task EvictAsync(V1Pod pod, PodEviction eviction, CancellationToken ct);
}
