namespace Capstan.Controllers.NodeLifecycle;

/// <summary>The node lifecycle controller's timing (Kubernetes' --node-monitor-* flags), with Capstan's faster defaults.</summary>
public sealed record NodeLifecycleOptions
{
    /// <summary>
    /// A node whose Lease and Ready heartbeat have not changed for this long is Unknown and tainted unreachable. Kubernetes
    /// defaults to 40 s; Capstan's 8 s leaves room to replace a dead node's pods within 15 s.
    /// </summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>The same for a node that has never posted a Ready condition (Kubernetes' --node-startup-grace-period, 60 s).</summary>
    public TimeSpan NodeStartupGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each node is looked at even without events (Kubernetes' --node-monitor-period, 5 s).</summary>
    public TimeSpan NodeMonitorPeriod { get; init; } = TimeSpan.FromSeconds(1);
}
