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

    /// <summary>t0 → the first pod's ADDED, and → the last requested pod's ADDED (the ReplicaSet's slow-start batches).</summary>
    public double FirstAdded { get; set; } = double.NaN;

    public double LastAdded { get; set; } = double.NaN;

    /// <summary>CPU the capstan server process used from t0 until all were Ready (user + system), in ms.</summary>
    public double ServerCpu { get; set; } = double.NaN;

    /// <summary>CPU of the standalone agent (with --separate-agent), in ms.</summary>
    public double AgentCpu { get; set; } = double.NaN;

    /// <summary>Watch events per pod this benchmark received until all were Ready (ADDED + MODIFIED: the writes to each pod).</summary>
    public double EventsPerPod { get; set; } = double.NaN;

    /// <summary>core/v1 Events in the namespace by reason, after the run.</summary>
    public string EventReasons { get; set; } = "";

    /// <summary>CPU the whole machine spent in the same span (every core, every process), in ms.</summary>
    public double MachineCpu { get; set; } = double.NaN;
}
