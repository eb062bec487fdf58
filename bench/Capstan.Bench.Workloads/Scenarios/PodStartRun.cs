using Capstan.Bench.Workloads.Measurement;

namespace Capstan.Bench.Workloads.Scenarios;

/// <summary>Per-pod latencies of one pod-start run, in ms; "from t0" is from sending the Deployment create.</summary>
public sealed class PodStartRun
{
    public LatencySamples AddedToRunning { get; } = new();

    public LatencySamples AddedToReady { get; } = new();

    public LatencySamples T0ToRunning { get; } = new();

    public LatencySamples T0ToReady { get; } = new();

    // The breakdown: t0 → ADDED (controllers), ADDED → spec.nodeName (scheduler), → Running (agent), → Ready (probe).
    public LatencySamples T0ToAdded { get; } = new();

    public LatencySamples AddedToScheduled { get; } = new();

    public LatencySamples ScheduledToRunning { get; } = new();

    public LatencySamples RunningToReady { get; } = new();

    /// <summary>t0 → the last of the requested replicas Ready; NaN when not all became Ready in time.</summary>
    public double AllReady { get; set; } = double.NaN;

    /// <summary>t0 → the create response.</summary>
    public double CreateAck { get; set; }

    public int PodsReady { get; set; }
}
