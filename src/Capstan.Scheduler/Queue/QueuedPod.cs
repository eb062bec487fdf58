using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Queue;

/// <summary>A pending pod in the scheduling queue, with its attempt count for the back-off. Changed only under the queue's lock.</summary>
public sealed class QueuedPod
{
    internal QueuedPod(PodInfo pod)
    {
        Pod = pod;
    }

    /// <summary>The latest version of the pod the informer delivered.</summary>
    public PodInfo Pod { get; internal set; }

    public string Key => Pod.Key;

    /// <summary>How many times the pod has been popped for scheduling.</summary>
    public int Attempts { get; internal set; }

    public QueuedPodState State { get; internal set; }

    /// <summary>When the last attempt failed; the back-off counts from here.</summary>
    public DateTimeOffset LastFailure { get; internal set; }

    /// <summary>When the pod entered the unschedulable set.</summary>
    public DateTimeOffset UnschedulableSince { get; internal set; }

    /// <summary>The scheduling cycle of its latest pop.</summary>
    public long Cycle { get; internal set; }

    /// <summary>Bumped each time the pod enters a heap, so stale heap entries are skipped.</summary>
    internal long Generation { get; set; }
}
