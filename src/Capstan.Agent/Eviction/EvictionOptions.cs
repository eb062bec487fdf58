namespace Capstan.Agent.Eviction;

/// <summary>Node-pressure eviction settings (the kubelet's --eviction-hard and --eviction-pressure-transition-period).</summary>
public sealed record EvictionOptions
{
    public IReadOnlyList<EvictionThreshold> Hard { get; init; } = EvictionThresholds.Parse(EvictionThresholds.Default);

    /// <summary>How long a pressure condition stays True after its threshold was last met (Kubernetes: 5 m).</summary>
    public TimeSpan PressureTransitionPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the signals are read (the kubelet's evictionMonitoringPeriod is 10 s; reading them costs little).</summary>
    public TimeSpan MonitoringInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Test-only: a file of "signal=quantity" lines overriding the machine's signals (see <see cref="FileSignalSource"/>).</summary>
    public string? SignalsFile { get; init; }

    /// <summary>Longest wait for an evicted pod's containers to stop before the next signal check.</summary>
    public TimeSpan EvictionWait { get; init; } = TimeSpan.FromSeconds(60);
}
