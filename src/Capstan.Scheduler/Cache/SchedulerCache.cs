using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Cache;

/// <summary>
/// The scheduler's picture of the cluster: every node with what its pods request, updated incrementally from the
/// informers. A pod the scheduler has decided on is "assumed" on its node at once, before the binding is written, so the
/// next decision already counts it; the informer confirms it when it shows the pod bound, and a failed binding forgets it.
/// Alongside, a <see cref="TopologyIndex"/> keeps what topology spread and inter-pod affinity need, current with every change.
/// </summary>
public sealed class SchedulerCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodEntry> _pods = new(StringComparer.Ordinal);
    private readonly TopologyIndex _index;
    private NodeSnapshot? _nodeList;

    public SchedulerCache()
    {
        _index = new TopologyIndex(() => _nodes.Values);
    }

    public int NodeCount
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Count(n => n.HasNode);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="decide"/> on the current nodes (those with a Node object) under the cache lock. The list is a
    /// <see cref="NodeSnapshot"/>, which carries the cache's <see cref="TopologyIndex"/> to the scheduling framework.
    /// </summary>
    public T WithNodes<T>(Func<IReadOnlyList<NodeInfo>, T> decide)
    {
        lock (_lock)
        {
            _nodeList ??= new NodeSnapshot([.. _nodes.Values.Where(n => n.HasNode).OrderBy(n => n.Name, StringComparer.Ordinal)], _index);
            return decide(_nodeList);
        }
    }

    /// <summary>Runs <paramref name="read"/> on the index under the cache lock (tests and diagnostics).</summary>
    public T WithIndex<T>(Func<TopologyIndex, T> read)
    {
        lock (_lock)
        {
            return read(_index);
        }
    }

    public NodeInfo? GetNode(string name)
    {
        lock (_lock)
        {
            return _nodes.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Adds or updates a node; true when this may let waiting pods fit: a new node, or a change of allocatable, labels,
    /// taints or the unschedulable flag.
    /// </summary>
    public bool AddOrUpdateNode(JsonObject node, JsonObject? old = null)
    {
        lock (_lock)
        {
            var name = node.GetName();
            if (!_nodes.TryGetValue(name, out var info))
            {
                _nodes[name] = info = new NodeInfo(name);
            }

            var isNew = !info.HasNode;
            var oldLabels = isNew ? null : info.Labels;
            var oldTainted = info.Taints.Count > 0;
            info.SetNode(node);
            if (isNew || oldTainted != info.Taints.Count > 0 || !SameLabels(oldLabels!, info.Labels))
            {
                _index.NodeChanged(info, oldLabels, oldTainted);
            }

            _nodeList = null;
            return isNew || old is null || SchedulingRelevantChange(old, node);
        }
    }

    public void RemoveNode(string name)
    {
        lock (_lock)
        {
            if (_nodes.TryGetValue(name, out var info))
            {
                var oldLabels = info.HasNode ? info.Labels : null;
                var oldTainted = info.Taints.Count > 0;
                info.ClearNode();
                if (oldLabels is not null)
                {
                    _index.NodeChanged(info, oldLabels, oldTainted);
                }

                if (info.PodCount == 0)
                {
                    _nodes.Remove(name);
                }

                _nodeList = null;
            }
        }
    }

    /// <summary>
    /// Records a pod the informer shows bound to a node (confirming it when it was assumed); a terminated pod is removed,
    /// as its resources are free. A pod not bound yet is left alone (it may be assumed). Returns true when this freed
    /// resources somewhere (the pod left a node or shrank).
    /// </summary>
    public bool AddOrUpdatePod(PodInfo pod)
    {
        if (pod.IsTerminated)
        {
            return RemovePod(pod.Uid);
        }

        if (!pod.IsAssigned)
        {
            return false;
        }

        lock (_lock)
        {
            var freed = false;
            if (_pods.TryGetValue(pod.Uid, out var existing))
            {
                freed = existing.NodeName != pod.NodeName || !SameFootprint(existing.Pod, pod);
                RemoveLocked(pod.Uid, existing);
            }

            AddLocked(pod, pod.NodeName, assumed: false);
            return freed;
        }
    }

    /// <summary>Forgets a pod (deleted); true when it was counted on a node.</summary>
    public bool RemovePod(string uid)
    {
        lock (_lock)
        {
            if (!_pods.TryGetValue(uid, out var entry))
            {
                return false;
            }

            RemoveLocked(uid, entry);
            return true;
        }
    }

    /// <summary>
    /// Counts a pod on <paramref name="nodeName"/> before its binding is written. A pod the informer already shows bound
    /// stays where it is: a binding is never changed, so a second decision for it (a stale queue entry racing the
    /// informer) can only end in a conflict, and its Forget must not take the bound pod out of the counts.
    /// </summary>
    public void Assume(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(pod.Uid, out var existing))
            {
                if (!existing.Assumed)
                {
                    return;
                }

                RemoveLocked(pod.Uid, existing);
            }

            AddLocked(pod, nodeName, assumed: true);
        }
    }

    /// <summary>Undoes <see cref="Assume"/> after a failed binding; a pod the informer already confirmed stays.</summary>
    public void Forget(string uid)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(uid, out var entry) && entry.Assumed)
            {
                RemoveLocked(uid, entry);
            }
        }
    }

    public bool IsAssumed(string uid)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(uid, out var entry) && entry.Assumed;
        }
    }

    /// <summary>The node a pod is counted on (bound or assumed), or null.</summary>
    public string? NodeOf(string uid)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(uid, out var entry) ? entry.NodeName : null;
        }
    }

    private void AddLocked(PodInfo pod, string nodeName, bool assumed)
    {
        if (!_nodes.TryGetValue(nodeName, out var node))
        {
            // A pod can name a node the informer has not shown yet; count it so the node is right when it appears.
            _nodes[nodeName] = node = new NodeInfo(nodeName);
        }

        node.AddPod(pod);
        _index.PodAdded(pod, node);
        _pods[pod.Uid] = new PodEntry(pod, nodeName, assumed);
    }

    private void RemoveLocked(string uid, PodEntry entry)
    {
        _pods.Remove(uid);
        if (_nodes.TryGetValue(entry.NodeName, out var node))
        {
            node.RemovePod(uid);
            _index.PodRemoved(entry.Pod, node);
            if (!node.HasNode && node.PodCount == 0)
            {
                _nodes.Remove(entry.NodeName);
            }
        }
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameFootprint(PodInfo a, PodInfo b) =>
        a.Requests.ToString() == b.Requests.ToString() && a.HostPorts.SequenceEqual(b.HostPorts);

    private static bool SchedulingRelevantChange(JsonObject old, JsonObject node) =>
        !JsonNode.DeepEquals(old.Obj("status")?["allocatable"], node.Obj("status")?["allocatable"])
        || !JsonNode.DeepEquals(old.Obj("metadata")?["labels"], node.Obj("metadata")?["labels"])
        || !JsonNode.DeepEquals(old.Obj("spec")?["taints"], node.Obj("spec")?["taints"])
        || old.Obj("spec")?.Bool("unschedulable") != node.Obj("spec")?.Bool("unschedulable");

    private sealed record PodEntry(PodInfo Pod, string NodeName, bool Assumed);
}
