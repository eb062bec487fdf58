using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Queue;

/// <summary>
/// Pods that preemption has made room for on a node (status.nominatedNodeName) but that are not bound yet. As in
/// kube-scheduler, a decision for a pod of lower or equal priority counts them on their node, so the room their victims
/// leave is not taken by someone else (such as the victims' own replacements) before the preemptor gets there.
/// </summary>
public sealed class NominatedPods
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (PodInfo Pod, string Node)> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PodInfo>> _byNode = new(StringComparer.Ordinal);
    private volatile int _count;

    public bool IsEmpty => _count == 0;

    /// <summary>Nominates <paramref name="pod"/> to <paramref name="node"/>, replacing any earlier nomination of it.</summary>
    public void Add(PodInfo pod, string node)
    {
        lock (_lock)
        {
            AddLocked(pod, node);
        }
    }

    /// <summary>
    /// A newer version of a pending pod: its own nominatedNodeName wins; without one, a nomination made here is kept, since
    /// the status write that records it may not have reached the informer yet (kube-scheduler keeps it the same way).
    /// </summary>
    public void Update(PodInfo pod, string nominatedNodeName)
    {
        if (nominatedNodeName.Length > 0)
        {
            Add(pod, nominatedNodeName);
            return;
        }

        if (IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            if (_byUid.TryGetValue(pod.Uid, out var entry))
            {
                AddLocked(pod, entry.Node);
            }
        }
    }

    /// <summary>Drops the pod's nomination (it was bound, deleted or finished).</summary>
    public void Remove(string uid)
    {
        if (IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            RemoveLocked(uid);
            _count = _byUid.Count;
        }
    }

    /// <summary>The node <paramref name="uid"/> is nominated to, or null.</summary>
    public string? NodeOf(string uid)
    {
        lock (_lock)
        {
            return _byUid.TryGetValue(uid, out var entry) ? entry.Node : null;
        }
    }

    /// <summary>The other pods nominated to <paramref name="node"/> whose priority is at least <paramref name="pod"/>'s.</summary>
    public IReadOnlyList<PodInfo> Ahead(PodInfo pod, string node)
    {
        if (IsEmpty)
        {
            return [];
        }

        lock (_lock)
        {
            if (!_byNode.TryGetValue(node, out var pods))
            {
                return [];
            }

            return [.. pods.Where(p => p.Uid != pod.Uid && p.Priority >= pod.Priority)];
        }
    }

    /// <summary>
    /// Takes back the nominations to <paramref name="node"/> of pods of lower priority than <paramref name="pod"/> and
    /// returns those pods: once <paramref name="pod"/> preempts there, the room they were promised may be gone.
    /// </summary>
    public IReadOnlyList<PodInfo> RemoveBelow(PodInfo pod, string node)
    {
        if (IsEmpty)
        {
            return [];
        }

        lock (_lock)
        {
            if (!_byNode.TryGetValue(node, out var pods))
            {
                return [];
            }

            List<PodInfo> below = [.. pods.Where(p => p.Uid != pod.Uid && p.Priority < pod.Priority)];
            foreach (var lower in below)
            {
                RemoveLocked(lower.Uid);
            }

            _count = _byUid.Count;
            return below;
        }
    }

    private void AddLocked(PodInfo pod, string node)
    {
        RemoveLocked(pod.Uid);
        _byUid[pod.Uid] = (pod, node);
        if (!_byNode.TryGetValue(node, out var pods))
        {
            _byNode[node] = pods = [];
        }

        pods.Add(pod);
        _count = _byUid.Count;
    }

    private void RemoveLocked(string uid)
    {
        if (_byUid.Remove(uid, out var entry))
        {
            var pods = _byNode[entry.Node];
            pods.RemoveAll(p => p.Uid == uid);
            if (pods.Count == 0)
            {
                _byNode.Remove(entry.Node);
            }
        }
    }
}
