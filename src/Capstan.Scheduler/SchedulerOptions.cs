namespace Capstan.Scheduler;

/// <summary>Settings of the scheduler; the defaults are kube-scheduler's unless said otherwise.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Only pods whose spec.schedulerName is this are scheduled (when <see cref="Profiles"/> is empty).</summary>
    public string SchedulerName { get; init; } = "default-scheduler";

    /// <summary>
    /// The profiles of a KubeSchedulerConfiguration (<see cref="Configuration.SchedulerConfiguration.Load"/>); empty
    /// runs one default profile named <see cref="SchedulerName"/>.
    /// </summary>
    public IReadOnlyList<Configuration.SchedulerProfile> Profiles { get; init; } = [];

    /// <summary>The profiles in effect.</summary>
    public IReadOnlyList<Configuration.SchedulerProfile> EffectiveProfiles =>
        Profiles.Count > 0 ? Profiles : [new Configuration.SchedulerProfile { SchedulerName = SchedulerName }];

    /// <summary>First back-off after a failed attempt (kube-scheduler's podInitialBackoffSeconds).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest back-off (podMaxBackoffSeconds).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An unschedulable pod is retried after this long even if nothing in the cluster changed (kube-scheduler waits 5
    /// minutes; Capstan one).
    /// </summary>
    public TimeSpan UnschedulableTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many bindings are written at once.</summary>
    public int BindConcurrency { get; init; } = 32;

    /// <summary>Record a Normal "Scheduled" event for each pod placed, as kube-scheduler does.</summary>
    public bool RecordScheduledEvents { get; init; } = true;

    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Informers shared with the controllers of this process (one cache of pods and nodes, not two); the scheduler starts but does not dispose them.</summary>
    public Capstan.Client.Informers.SharedInformerFactory? Informers { get; init; }

    /// <summary>Breaks ties between equally scored nodes; null for a shared random source.</summary>
    public Random? Random { get; init; }

    /// <summary>Events' reportingInstance; defaults to "default-scheduler-&lt;host name&gt;".</summary>
    public string? InstanceName { get; init; }

    public void Validate()
    {
        if (string.IsNullOrEmpty(SchedulerName))
        {
            throw new ArgumentException("SchedulerName must not be empty");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException("InitialBackoff must be positive and MaxBackoff at least InitialBackoff");
        }

        if (UnschedulableTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("UnschedulableTimeout must be positive");
        }

        if (BindConcurrency < 1)
        {
            throw new ArgumentException("BindConcurrency must be at least 1");
        }
    }
}
