using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Cluster;

/// <summary>What one watch event said about a pod, reduced to what the figures need.</summary>
/// <param name="At">Stopwatch timestamp when this process decoded the event.</param>
/// <param name="ContainersRunning">status.phase is Running and every container status is in state running.</param>
/// <param name="Ready">The Ready condition is True.</param>
/// <param name="RestartCount">The sum of the containers' restart counts.</param>
/// <param name="Terminating">metadata.deletionTimestamp is set, or this is the DELETED event.</param>
public sealed record PodObservation(
    long At, WatchEventType Type, string? NodeName, string? PodIp, bool ContainersRunning, bool Ready, int RestartCount, bool Terminating, bool Deleted)
{
    public static PodObservation From(WatchEventType type, V1Pod pod, long at)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var running = pod.Status?.Phase == "Running" && statuses.Count > 0 && statuses.All(s => s.State?.Running is not null);
        var ready = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        return new PodObservation(
            at,
            type,
            string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
            pod.Status?.PodIP,
            running,
            ready,
            statuses.Sum(s => s.RestartCount),
            pod.Metadata?.DeletionTimestamp is not null || type == WatchEventType.Deleted,
            type == WatchEventType.Deleted);
    }
}
