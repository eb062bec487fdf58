using System.Runtime.InteropServices;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Cache;

/// <summary>
/// What topology spread and inter-pod affinity need from the pods already placed, kept incrementally by the scheduler
/// cache so that a decision costs O(nodes + matching terms) instead of O(pods in the cluster):
/// per spread selector the matching pods per node and per domain, per incoming-pod affinity term the matching pods per
/// domain (both built lazily the first time a selector or term is asked for, then kept current, the least recently
/// used dropped beyond a bound), the placed pods' own terms grouped by term with their domains, and per topology key
/// the nodes in each domain.
/// It counts exactly the pods on a node that has a Node object and that are not being deleted (the pods a full walk of
/// the cache's nodes would count), in their node's current labels. Changed and read only under the cache's lock.
/// </summary>
public sealed class TopologyIndex
{
    /// <summary>Lazily built spread selectors and affinity terms kept at most (each costs a selector test per pod add).</summary>
    public const int MaxLazyEntries = 256;

    private static readonly Func<string, IReadOnlyDictionary<string, string>?> NoNamespaceLabels = _ => null;

    private readonly Func<IEnumerable<NodeInfo>> _nodes;
    private readonly HashSet<string> _counted = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Selector, string Key), SpreadCounts> _spread = [];
    private readonly Dictionary<string, List<SpreadCounts>> _spreadByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AffinityTermCounts> _terms = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Signature, ExistingTermKind Kind, int Weight), ExistingTermGroup> _existing = [];
    private readonly Dictionary<string, Dictionary<string, int>> _domains = new(StringComparer.Ordinal);
    private long _clock;

    /// <param name="nodes">Every node the cache knows (with or without a Node object), to build lazily kept counts from.</param>
    public TopologyIndex(Func<IEnumerable<NodeInfo>> nodes)
    {
        _nodes = nodes;
    }

    /// <summary>Nodes with a Node object.</summary>
    public int NodeCount { get; private set; }

    /// <summary>Nodes with a Node object and at least one taint.</summary>
    public int TaintedNodeCount { get; private set; }

    /// <summary>The placed pods' term groups that have pods in some domain.</summary>
    public IReadOnlyCollection<ExistingTermGroup> ExistingTerms => _existing.Values;

    /// <summary>Whether the index counts this pod (the PreFilters then fall back to a full walk, which leaves it out).</summary>
    public bool IsCounted(string uid) => _counted.Contains(uid);

    /// <summary>A term the index can count for an incoming pod: one whose namespaces do not depend on namespace labels.</summary>
    public static bool CanCount(PodAffinityTerm term) => !term.DependsOnNamespaceLabels;

    /// <summary>The counts for a spread constraint of a pod in <paramref name="ns"/>, built on first use.</summary>
    public SpreadCounts Spread(string ns, TopologySpreadConstraint constraint)
    {
        var key = (ns, constraint.SelectorSignature, constraint.TopologyKey);
        if (!_spread.TryGetValue(key, out var counts))
        {
            if (_spread.Count >= MaxLazyEntries)
            {
                var oldest = _spread.MinBy(kv => kv.Value.LastUsed);
                _spread.Remove(oldest.Key);
                _spreadByNamespace[oldest.Key.Namespace].Remove(oldest.Value);
            }

            counts = new SpreadCounts(ns, constraint);
            foreach (var node in _nodes())
            {
                if (!node.HasNode)
                {
                    continue;
                }

                foreach (var pod in node.Pods)
                {
                    if (!pod.IsDeleting && counts.Matches(pod))
                    {
                        counts.Add(node, node.Labels, 1);
                    }
                }
            }

            _spread[key] = counts;
            CollectionsMarshal.GetValueRefOrAddDefault(_spreadByNamespace, ns, out _) ??= [];
            _spreadByNamespace[ns].Add(counts);
        }

        counts.LastUsed = ++_clock;
        return counts;
    }

    /// <summary>The counts for an incoming pod's term (which <see cref="CanCount"/> must allow), built on first use.</summary>
    public AffinityTermCounts Term(PodAffinityTerm term)
    {
        if (!_terms.TryGetValue(term.Signature, out var counts))
        {
            if (_terms.Count >= MaxLazyEntries)
            {
                _terms.Remove(_terms.MinBy(kv => kv.Value.LastUsed).Key);
            }

            counts = new AffinityTermCounts(term);
            foreach (var node in _nodes())
            {
                if (!node.HasNode)
                {
                    continue;
                }

                foreach (var pod in node.Pods)
                {
                    if (!pod.IsDeleting && term.Matches(pod, NoNamespaceLabels))
                    {
                        counts.Add(pod, node.Labels, 1);
                    }
                }
            }

            _terms[term.Signature] = counts;
        }

        counts.LastUsed = ++_clock;
        return counts;
    }

    /// <summary>Per value of <paramref name="key"/>, how many nodes (with a Node object) have it; built on first use.</summary>
    public IReadOnlyDictionary<string, int> Domains(string key)
    {
        if (!_domains.TryGetValue(key, out var domains))
        {
            domains = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var node in _nodes())
            {
                if (node.HasNode && node.Labels.TryGetValue(key, out var value))
                {
                    Bump(domains, value, 1);
                }
            }

            _domains[key] = domains;
        }

        return domains;
    }

    /// <summary>How many nodes (with a Node object) have the label <paramref name="key"/>.</summary>
    public int NodesWithKey(string key)
    {
        var total = 0;
        foreach (var count in Domains(key).Values)
        {
            total += count;
        }

        return total;
    }

    /// <summary>Called after a pod was added to <paramref name="node"/>.</summary>
    internal void PodAdded(PodInfo pod, NodeInfo node)
    {
        if (node.HasNode && !pod.IsDeleting)
        {
            Count(pod, node, node.Labels, 1);
        }
    }

    /// <summary>Called when a pod leaves <paramref name="node"/> (before or after NodeInfo.RemovePod; the node must be unchanged since the add).</summary>
    internal void PodRemoved(PodInfo pod, NodeInfo node)
    {
        if (node.HasNode && !pod.IsDeleting)
        {
            Count(pod, node, node.Labels, -1);
        }
    }

    /// <summary>
    /// Called after a node's Node object was set or cleared: <paramref name="oldLabels"/> and <paramref name="oldTainted"/>
    /// describe it before (null labels: it had no Node object). Its pods move from the old domains to the new.
    /// </summary>
    internal void NodeChanged(NodeInfo node, IReadOnlyDictionary<string, string>? oldLabels, bool oldTainted)
    {
        if (oldLabels is not null)
        {
            CountNode(node, oldLabels, oldTainted, -1);
        }

        if (node.HasNode)
        {
            CountNode(node, node.Labels, node.Taints.Count > 0, 1);
        }
    }

    internal static void Bump<TKey>(Dictionary<TKey, int> counts, TKey key, int delta)
        where TKey : notnull
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
        slot += delta;
        if (slot == 0)
        {
            counts.Remove(key);
        }
    }

    private void CountNode(NodeInfo node, IReadOnlyDictionary<string, string> labels, bool tainted, int delta)
    {
        NodeCount += delta;
        TaintedNodeCount += tainted ? delta : 0;
        foreach (var (key, domains) in _domains)
        {
            if (labels.TryGetValue(key, out var value))
            {
                Bump(domains, value, delta);
            }
        }

        foreach (var pod in node.Pods)
        {
            if (!pod.IsDeleting)
            {
                Count(pod, node, labels, delta);
            }
        }
    }

    private void Count(PodInfo pod, NodeInfo node, IReadOnlyDictionary<string, string> labels, int delta)
    {
        if (delta > 0)
        {
            _counted.Add(pod.Uid);
        }
        else
        {
            _counted.Remove(pod.Uid);
        }

        if (_spreadByNamespace.TryGetValue(pod.Namespace, out var spread))
        {
            foreach (var counts in spread)
            {
                if (counts.Constraint.Selector.Matches(pod.Labels))
                {
                    counts.Add(node, labels, delta);
                }
            }
        }

        foreach (var counts in _terms.Values)
        {
            if (counts.Term.Matches(pod, NoNamespaceLabels))
            {
                counts.Add(pod, labels, delta);
            }
        }

        if (pod.HasPodAffinity)
        {
            CountExisting(pod.RequiredAntiAffinity, ExistingTermKind.RequiredAntiAffinity, labels, delta);
            CountExisting(pod.RequiredAffinity, ExistingTermKind.RequiredAffinity, labels, delta);
            CountExisting(pod.PreferredAffinity, ExistingTermKind.PreferredAffinity, labels, delta);
            CountExisting(pod.PreferredAntiAffinity, ExistingTermKind.PreferredAntiAffinity, labels, delta);
        }
    }

    private void CountExisting(IReadOnlyList<PodAffinityTerm> terms, ExistingTermKind kind, IReadOnlyDictionary<string, string> labels, int delta)
    {
        foreach (var term in terms)
        {
            if (!labels.ContainsKey(term.TopologyKey))
            {
                continue;
            }

            var key = (term.Signature, kind, term.Weight);
            if (!_existing.TryGetValue(key, out var group))
            {
                _existing[key] = group = new ExistingTermGroup(term, kind);
            }

            group.Add(labels, delta);
            if (group.PerDomain.Count == 0)
            {
                _existing.Remove(key);
            }
        }
    }
}
