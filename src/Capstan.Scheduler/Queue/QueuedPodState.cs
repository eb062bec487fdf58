namespace Capstan.Scheduler.Queue;

/// <summary>Where a pending pod is in the scheduling queue.</summary>
public enum QueuedPodState
{
    /// <summary>Waiting for its turn.</summary>
    Active,

    /// <summary>Failed recently; waits out its back-off before it becomes active.</summary>
    Backoff,

    /// <summary>Fit no node; waits for a cluster change (or the periodic flush).</summary>
    Unschedulable,

    /// <summary>Popped: being decided or bound.</summary>
    InFlight,
}
