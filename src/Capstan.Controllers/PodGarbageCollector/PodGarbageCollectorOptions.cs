namespace Capstan.Controllers.PodGarbageCollector;

public sealed record PodGarbageCollectorOptions
{
    /// <summary>Terminated (Succeeded/Failed) pods kept before the oldest are deleted; 0 keeps all (Kubernetes' --terminated-pod-gc-threshold).</summary>
    public int TerminatedPodThreshold { get; init; } = 12500;

    /// <summary>How often the collector looks (Kubernetes: every 20 s).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a node must be missing before its pods are deleted: a node being created may reach our cache after its pods.</summary>
    public TimeSpan OrphanQuarantine { get; init; } = TimeSpan.FromSeconds(5);
}
