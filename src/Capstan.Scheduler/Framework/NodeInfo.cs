using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// One node as the scheduler sees it: what it offers (allocatable, labels, taints) and what the pods bound or assumed on it
/// take, kept up to date incrementally as pods come and go. Owned by the scheduler cache and changed only under its lock.
/// </summary>
public sealed class NodeInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private readonly Dictionary<string, PodInfo> _pods = new(StringComparer.Ordinal);
    private readonly List<HostPort> _usedPorts = [];
    private readonly List<PodInfo> _podsWithAffinity = [];

    public NodeInfo(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>False while only pods name this node (the Node object itself is unknown or deleted).</summary>
    public bool HasNode { get; private set; }

    public IReadOnlyDictionary<string, string> Labels { get; private set; } = NoLabels;

    public IReadOnlyList<Taint> Taints { get; private set; } = [];

    public bool Unschedulable { get; private set; }

    public Resources Allocatable { get; private set; } = new();

    /// <summary>The node's allocatable "pods": how many pods it takes.</summary>
    public long AllowedPods { get; private set; }

    /// <summary>The sum of the requests of the pods on the node.</summary>
    public Resources Requested { get; } = new();

    /// <summary>Like <see cref="Requested"/> with the non-zero defaults for containers that request no CPU or memory (for scoring).</summary>
    public Resources NonZeroRequested { get; } = new();

    public IReadOnlyCollection<PodInfo> Pods => _pods.Values;

    public int PodCount => _pods.Count;

    public IReadOnlyList<HostPort> UsedPorts => _usedPorts;

    /// <summary>The pods here with pod affinity or anti-affinity terms: the only ones other pods' decisions must consult.</summary>
    public IReadOnlyList<PodInfo> PodsWithAffinity => _podsWithAffinity;

    /// <summary>Takes the node's current labels, taints, unschedulable flag and allocatable.</summary>
    public void SetNode(JsonObject node)
    {
        HasNode = true;
        Labels = node.Obj("metadata")?.Obj("labels") is { } labels ? PodInfo.InternedLabels(labels) : NoLabels;
        var spec = node.Obj("spec");
        Taints = Taint.ParseAll(spec);
        Unschedulable = spec?.Bool("unschedulable") == true;
        var allocatable = node.Obj("status")?.Obj("allocatable");
        Allocatable = ResourceList.Parse(allocatable);
        AllowedPods = ResourceList.Value(allocatable, Resources.Pods) ?? 0;
    }

    /// <summary>Forgets the Node object; pods that still name it stay counted.</summary>
    public void ClearNode()
    {
        HasNode = false;
        Labels = NoLabels;
        Taints = [];
        Unschedulable = false;
        Allocatable = new Resources();
        AllowedPods = 0;
    }

    public bool HasPod(string uid) => _pods.ContainsKey(uid);

    public void AddPod(PodInfo pod)
    {
        if (!_pods.TryAdd(pod.Uid, pod))
        {
            RemovePod(pod.Uid);
            _pods.Add(pod.Uid, pod);
        }

        Requested.Add(pod.Requests);
        NonZeroRequested.Add(pod.NonZeroRequests);
        _usedPorts.AddRange(pod.HostPorts);
        if (pod.HasPodAffinity)
        {
            _podsWithAffinity.Add(pod);
        }
    }

    public bool RemovePod(string uid)
    {
        if (!_pods.Remove(uid, out var pod))
        {
            return false;
        }

        Requested.Subtract(pod.Requests);
        NonZeroRequested.Subtract(pod.NonZeroRequests);
        foreach (var port in pod.HostPorts)
        {
            _usedPorts.Remove(port);
        }

        if (pod.HasPodAffinity)
        {
            _podsWithAffinity.RemoveAll(p => p.Uid == uid);
        }

        return true;
    }

    /// <summary>A copy without the given pods (to ask whether removing lower-priority pods would make room).</summary>
    public NodeInfo Without(IEnumerable<PodInfo> pods)
    {
        var removed = pods.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
        var copy = new NodeInfo(Name)
        {
            HasNode = HasNode,
            Labels = Labels,
            Taints = Taints,
            Unschedulable = Unschedulable,
            Allocatable = Allocatable,
            AllowedPods = AllowedPods,
        };
        foreach (var pod in _pods.Values)
        {
            if (!removed.Contains(pod.Uid))
            {
                copy.AddPod(pod);
            }
        }

        return copy;
    }

    /// <summary>A copy with the given pods added (pods nominated to this node that a decision must leave room for).</summary>
    public NodeInfo With(IEnumerable<PodInfo> pods)
    {
        var copy = Without([]);
        foreach (var pod in pods)
        {
            copy.AddPod(pod);
        }

        return copy;
    }

    /// <summary>A test and diagnostics aid: a NodeInfo built from a Node object.</summary>
    public static NodeInfo FromNode(JsonObject node)
    {
        var info = new NodeInfo(node.GetName());
        info.SetNode(node);
        return info;
    }
}
