using System.Text.Json.Nodes;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Queue;

/// <summary>
/// kube-scheduler's three queues. Active pods are popped highest priority first, then in arrival order. A pod that fit
/// no node waits in the unschedulable set until something changes in the cluster (<see cref="MoveAllToActiveOrBackoff"/>)
/// or, at the latest, <see cref="SchedulerOptions.UnschedulableTimeout"/> passes; it then goes back to active, through the
/// back-off queue if its back-off (initial, doubling per attempt, capped) has not run out yet.
/// </summary>
public sealed class SchedulingQueue : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly TimeSpan _unschedulableTimeout;
    private readonly Dictionary<string, QueuedPod> _pods = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(QueuedPod Pod, long Generation), (int Priority, long Sequence)> _active = new();
    private readonly PriorityQueue<(QueuedPod Pod, long Generation), DateTimeOffset> _backoff = new();
    private readonly ITimer _backoffTimer;
    private readonly ITimer _flushTimer;
    private TaskCompletionSource? _waiter;
    private long _sequence;
    private long _schedulingCycle;
    private long _moveRequestCycle = -1;
    private bool _disposed;

    public SchedulingQueue(TimeProvider time, TimeSpan initialBackoff, TimeSpan maxBackoff, TimeSpan unschedulableTimeout)
    {
        _time = time;
        _initialBackoff = initialBackoff;
        _maxBackoff = maxBackoff;
        _unschedulableTimeout = unschedulableTimeout;
        _backoffTimer = time.CreateTimer(_ => FlushBackoff(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var flushPeriod = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, Math.Min(unschedulableTimeout.Ticks / 4, TimeSpan.FromSeconds(5).Ticks)));
        _flushTimer = time.CreateTimer(_ => FlushUnschedulable(), null, flushPeriod, flushPeriod);
    }

    public int ActiveCount
    {
        get
        {
            lock (_lock)
            {
                return _pods.Values.Count(p => p.State == QueuedPodState.Active);
            }
        }
    }

    public QueuedPodState? StateOf(string key)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(key, out var pod) ? pod.State : null;
        }
    }

    /// <summary>The back-off after <paramref name="attempts"/> failed attempts: initial × 2^(attempts-1), at most the maximum.</summary>
    public TimeSpan BackoffDuration(int attempts)
    {
        var duration = _initialBackoff;
        for (var i = 1; i < attempts && duration < _maxBackoff; i++)
        {
            duration *= 2;
        }

        return duration > _maxBackoff ? _maxBackoff : duration;
    }

    /// <summary>A new pending pod, or a newer version of one already queued (then as <see cref="Update"/>).</summary>
    public void Add(PodInfo pod)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(pod.Key, out var existing))
            {
                UpdateLocked(existing, pod);
                return;
            }

            var queued = new QueuedPod(pod);
            _pods[pod.Key] = queued;
            PushActiveLocked(queued);
        }
    }

    /// <summary>
    /// A newer version of a pending pod. A change to anything but its status (and resourceVersion) may make an
    /// unschedulable pod fit, so it is retried; our own status writes do not count.
    /// </summary>
    public void Update(PodInfo pod)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(pod.Key, out var existing))
            {
                UpdateLocked(existing, pod);
            }
            else
            {
                var queued = new QueuedPod(pod);
                _pods[pod.Key] = queued;
                PushActiveLocked(queued);
            }
        }
    }

    /// <summary>The pod is gone, bound, or no longer ours.</summary>
    public void Delete(string key)
    {
        lock (_lock)
        {
            if (_pods.Remove(key, out var pod))
            {
                pod.Generation++;
            }
        }
    }

    /// <summary>Waits for the next active pod, marks it in flight and counts the attempt.</summary>
    public async Task<QueuedPod> PopAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                while (_active.TryDequeue(out var entry, out _))
                {
                    if (entry.Pod.Generation != entry.Generation || entry.Pod.State != QueuedPodState.Active)
                    {
                        continue;
                    }

                    var pod = entry.Pod;
                    pod.State = QueuedPodState.InFlight;
                    pod.Attempts++;
                    pod.Cycle = ++_schedulingCycle;
                    return pod;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The pod fit no node. If the cluster changed while it was being decided, the change may already make it fit, so it
    /// only backs off; otherwise it waits for the next change.
    /// </summary>
    public void AddUnschedulable(QueuedPod pod)
    {
        lock (_lock)
        {
            if (!IsCurrentLocked(pod))
            {
                return;
            }

            pod.LastFailure = _time.GetUtcNow();
            if (_moveRequestCycle >= pod.Cycle)
            {
                PushBackoffLocked(pod);
                return;
            }

            pod.State = QueuedPodState.Unschedulable;
            pod.UnschedulableSince = pod.LastFailure;
            pod.Generation++;
        }
    }

    /// <summary>Scheduling or binding failed for a reason other than fit (an API error): retry after the back-off.</summary>
    public void AddBackoff(QueuedPod pod)
    {
        lock (_lock)
        {
            if (!IsCurrentLocked(pod))
            {
                return;
            }

            pod.LastFailure = _time.GetUtcNow();
            PushBackoffLocked(pod);
        }
    }

    /// <summary>The pod is placed (assumed and bound): it leaves the queue.</summary>
    public void Done(QueuedPod pod)
    {
        lock (_lock)
        {
            if (IsCurrentLocked(pod))
            {
                _pods.Remove(pod.Key);
                pod.Generation++;
            }
        }
    }

    /// <summary>Something changed that may let waiting pods fit (a node appeared or changed, a pod left a node).</summary>
    public void MoveAllToActiveOrBackoff()
    {
        lock (_lock)
        {
            _moveRequestCycle = _schedulingCycle;
            foreach (var pod in _pods.Values)
            {
                if (pod.State == QueuedPodState.Unschedulable)
                {
                    RequeueLocked(pod);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _backoffTimer.Dispose();
        _flushTimer.Dispose();
    }

    /// <summary>Moves pods whose back-off ran out to active; runs on the back-off timer (and in tests directly).</summary>
    internal void FlushBackoff()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_backoff.TryPeek(out var entry, out var due))
            {
                if (entry.Pod.Generation != entry.Generation || entry.Pod.State != QueuedPodState.Backoff)
                {
                    _backoff.Dequeue();
                    continue;
                }

                if (due > now)
                {
                    break;
                }

                _backoff.Dequeue();
                PushActiveLocked(entry.Pod);
            }

            ArmBackoffTimerLocked();
        }
    }

    /// <summary>Retries pods that have waited in the unschedulable set for the whole timeout.</summary>
    internal void FlushUnschedulable()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var pod in _pods.Values)
            {
                if (pod.State == QueuedPodState.Unschedulable && now - pod.UnschedulableSince >= _unschedulableTimeout)
                {
                    RequeueLocked(pod);
                }
            }
        }
    }

    private void UpdateLocked(QueuedPod existing, PodInfo pod)
    {
        var changed = !SameSpecAndMetadata(existing.Pod, pod);
        existing.Pod = pod;
        if (changed && existing.State == QueuedPodState.Unschedulable)
        {
            RequeueLocked(existing);
        }
    }

    private void RequeueLocked(QueuedPod pod)
    {
        if (_time.GetUtcNow() < pod.LastFailure + BackoffDuration(pod.Attempts))
        {
            PushBackoffLocked(pod);
        }
        else
        {
            PushActiveLocked(pod);
        }
    }

    private bool IsCurrentLocked(QueuedPod pod) => _pods.TryGetValue(pod.Key, out var current) && ReferenceEquals(current, pod);

    private void PushActiveLocked(QueuedPod pod)
    {
        pod.State = QueuedPodState.Active;
        pod.Generation++;
        _active.Enqueue((pod, pod.Generation), (-pod.Pod.Priority, ++_sequence));
        if (_waiter is { } waiter)
        {
            _waiter = null;
            waiter.TrySetResult();
        }
    }

    private void PushBackoffLocked(QueuedPod pod)
    {
        pod.State = QueuedPodState.Backoff;
        pod.Generation++;
        _backoff.Enqueue((pod, pod.Generation), pod.LastFailure + BackoffDuration(pod.Attempts));
        ArmBackoffTimerLocked();
    }

    private void ArmBackoffTimerLocked()
    {
        if (_disposed)
        {
            return;
        }

        if (_backoff.TryPeek(out _, out var due))
        {
            var delay = due - _time.GetUtcNow();
            _backoffTimer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _backoffTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    // Kubernetes' isPodUpdated: what matters is everything but status, resourceVersion, generation and managedFields.
    private static bool SameSpecAndMetadata(PodInfo a, PodInfo b)
    {
        if (!JsonNode.DeepEquals(a.Object["spec"], b.Object["spec"]))
        {
            return false;
        }

        var ma = a.Object["metadata"] as JsonObject;
        var mb = b.Object["metadata"] as JsonObject;
        return JsonNode.DeepEquals(ma?["labels"], mb?["labels"])
            && JsonNode.DeepEquals(ma?["annotations"], mb?["annotations"])
            && JsonNode.DeepEquals(ma?["deletionTimestamp"], mb?["deletionTimestamp"]);
    }
}
