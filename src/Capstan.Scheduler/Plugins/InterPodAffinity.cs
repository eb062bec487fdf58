using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// Pod affinity and anti-affinity, required and preferred, over any topology key. PreFilter counts, once per attempt,
/// the pods each of the pod's terms matches per topology domain (and the domains where existing pods' required
/// anti-affinity rejects this pod); Filter and Score then only look up the node's domain. Existing pods are visited in
/// full only when the pod has terms of its own; otherwise only those with terms are (NodeInfo.PodsWithAffinity).
/// </summary>
internal sealed class InterPodAffinity : IPreFilterPlugin, IFilterPlugin, IScorePlugin
{
    public const string AffinityReason = "node(s) didn't match pod affinity rules";
    public const string AntiAffinityReason = "node(s) didn't match pod anti-affinity rules";
    public const string ExistingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules";

    /// <summary>kube-scheduler's hardPodAffinityWeight: how much an existing pod's required affinity to this pod counts when scoring.</summary>
    private const int HardPodAffinityWeight = 1;

    private Dictionary<string, int>[] _affinityCounts = [];
    private Dictionary<string, int>[] _antiCounts = [];
    private readonly Dictionary<string, HashSet<string>> _existingAnti = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Key, string Value), long> _preferred = [];
    private bool _affinityMatchesNothing;
    private bool _active;

    public string Name => "InterPodAffinity";

    public int Weight => 2;

    public FilterStatus PreFilter(PodInfo pod, SchedulingContext context)
    {
        _existingAnti.Clear();
        _preferred.Clear();
        _affinityCounts = NewCounts(pod.RequiredAffinity.Count);
        _antiCounts = NewCounts(pod.RequiredAntiAffinity.Count);
        var ownTerms = pod.HasPodAffinity;
        _active = ownTerms;
        var anyAffinityMatch = false;
        foreach (var node in context.Nodes)
        {
            var others = ownTerms ? (IReadOnlyCollection<PodInfo>)node.Pods : node.PodsWithAffinity;
            foreach (var other in others)
            {
                if (other.Uid == pod.Uid || other.IsDeleting)
                {
                    continue;
                }

                if (ownTerms)
                {
                    anyAffinityMatch |= Count(pod.RequiredAffinity, _affinityCounts, other, node, context, requireAll: true);
                    Count(pod.RequiredAntiAffinity, _antiCounts, other, node, context, requireAll: false);
                    AddPreferred(pod.PreferredAffinity, other, node, context, sign: 1);
                    AddPreferred(pod.PreferredAntiAffinity, other, node, context, sign: -1);
                }

                if (other.HasPodAffinity)
                {
                    _active = true;
                    ExistingTerms(pod, other, node, context);
                }
            }
        }

        // The first pod of a group that must run together: nothing matches yet, so it may go wherever its terms' topology
        // keys exist, provided it matches its own terms (kube-scheduler's rule).
        _affinityMatchesNothing = pod.RequiredAffinity.Count > 0 && !anyAffinityMatch
            && pod.RequiredAffinity.All(t => t.Matches(pod, context.NamespaceLabels));
        return FilterStatus.Success;
    }

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        if (!_active)
        {
            return FilterStatus.Success;
        }

        // kube-scheduler's order, which decides the reason printed: the pod's affinity, its anti-affinity, then existing pods'.
        for (var i = 0; i < pod.RequiredAffinity.Count; i++)
        {
            var term = pod.RequiredAffinity[i];
            if (!node.Labels.TryGetValue(term.TopologyKey, out var value))
            {
                return FilterStatus.Unresolvable(Name, AffinityReason);
            }

            if (!_affinityMatchesNothing && _affinityCounts[i].GetValueOrDefault(value) == 0)
            {
                return FilterStatus.Unschedulable(Name, AffinityReason);
            }
        }

        for (var i = 0; i < pod.RequiredAntiAffinity.Count; i++)
        {
            var term = pod.RequiredAntiAffinity[i];
            if (node.Labels.TryGetValue(term.TopologyKey, out var value) && _antiCounts[i].GetValueOrDefault(value) > 0)
            {
                return FilterStatus.Unschedulable(Name, AntiAffinityReason);
            }
        }

        // Per topology key the domains existing pods' anti-affinity closes to this pod: a lookup per key, not per domain.
        foreach (var (key, values) in _existingAnti)
        {
            if (node.Labels.TryGetValue(key, out var nodeValue) && values.Contains(nodeValue))
            {
                return FilterStatus.Unschedulable(Name, ExistingAntiAffinityReason);
            }
        }

        return FilterStatus.Success;
    }

    /// <summary>Sums the weights of matching preferred terms per node's domains, then scales to 0..100 across the nodes.</summary>
    public void Score(PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        if (_preferred.Count == 0)
        {
            scores.Clear();
            return;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        for (var i = 0; i < nodes.Count; i++)
        {
            long total = 0;
            foreach (var ((key, value), weight) in _preferred)
            {
                if (nodes[i].Labels.TryGetValue(key, out var nodeValue) && nodeValue == value)
                {
                    total += weight;
                }
            }

            scores[i] = total;
            min = Math.Min(min, total);
            max = Math.Max(max, total);
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            scores[i] = max == min ? 0 : (scores[i] - min) * IScorePlugin.MaxNodeScore / (max - min);
        }
    }

    private static Dictionary<string, int>[] NewCounts(int terms)
    {
        var counts = new Dictionary<string, int>[terms];
        for (var i = 0; i < terms; i++)
        {
            counts[i] = new Dictionary<string, int>(StringComparer.Ordinal);
        }

        return counts;
    }

    // Counts `other` in each term's domain; true when it matches every term (requireAll) — a pod the affinity is satisfied by.
    private static bool Count(IReadOnlyList<PodAffinityTerm> terms, Dictionary<string, int>[] counts, PodInfo other, NodeInfo node, SchedulingContext context, bool requireAll)
    {
        var all = terms.Count > 0;
        for (var i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            if (!term.Matches(other, context.NamespaceLabels))
            {
                all = false;
                continue;
            }

            if (node.Labels.TryGetValue(term.TopologyKey, out var value))
            {
                counts[i][value] = counts[i].GetValueOrDefault(value) + 1;
            }
        }

        return requireAll && all;
    }

    private void AddPreferred(IReadOnlyList<PodAffinityTerm> terms, PodInfo other, NodeInfo node, SchedulingContext context, int sign)
    {
        foreach (var term in terms)
        {
            if (term.Weight != 0 && node.Labels.TryGetValue(term.TopologyKey, out var value) && term.Matches(other, context.NamespaceLabels))
            {
                var key = (term.TopologyKey, value);
                _preferred[key] = _preferred.GetValueOrDefault(key) + (sign * term.Weight);
            }
        }
    }

    // What existing pods' terms say about this pod: their required anti-affinity rejects its domain; their affinity
    // (required, at hardPodAffinityWeight, and preferred) and preferred anti-affinity move its score.
    private void ExistingTerms(PodInfo pod, PodInfo other, NodeInfo node, SchedulingContext context)
    {
        foreach (var term in other.RequiredAntiAffinity)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var value) && term.Matches(pod, context.NamespaceLabels))
            {
                if (!_existingAnti.TryGetValue(term.TopologyKey, out var values))
                {
                    _existingAnti[term.TopologyKey] = values = new HashSet<string>(StringComparer.Ordinal);
                }

                values.Add(value);
            }
        }

        foreach (var term in other.RequiredAffinity)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var value) && term.Matches(pod, context.NamespaceLabels))
            {
                var key = (term.TopologyKey, value);
                _preferred[key] = _preferred.GetValueOrDefault(key) + HardPodAffinityWeight;
            }
        }

        AddPreferredFromExisting(other.PreferredAffinity, pod, node, context, sign: 1);
        AddPreferredFromExisting(other.PreferredAntiAffinity, pod, node, context, sign: -1);
    }

    private void AddPreferredFromExisting(IReadOnlyList<PodAffinityTerm> terms, PodInfo pod, NodeInfo node, SchedulingContext context, int sign)
    {
        foreach (var term in terms)
        {
            if (term.Weight != 0 && node.Labels.TryGetValue(term.TopologyKey, out var value) && term.Matches(pod, context.NamespaceLabels))
            {
                var key = (term.TopologyKey, value);
                _preferred[key] = _preferred.GetValueOrDefault(key) + (sign * term.Weight);
            }
        }
    }
}
