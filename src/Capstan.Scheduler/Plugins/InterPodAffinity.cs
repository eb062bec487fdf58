using Capstan.Scheduler.Cache;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// Pod affinity and anti-affinity, required and preferred, over any topology key. PreFilter counts, once per attempt,
/// the pods each of the pod's terms matches per topology domain (and the domains where existing pods' required
/// anti-affinity rejects this pod); Filter and Score then only look up the node's domain. Existing pods are visited in
/// full only when the pod has terms of its own; otherwise only those with terms are (NodeInfo.PodsWithAffinity).
/// With the scheduler cache's index no pod is visited: the pod's terms read the index's per-term domain counts, and the
/// placed pods' terms come grouped by term, each tested against the pod once (see <see cref="TopologyIndex"/>).
/// </summary>
internal sealed class InterPodAffinity : IPreFilterPlugin, IFilterPlugin, IScorePlugin
{
    public const string AffinityReason = "node(s) didn't match pod affinity rules";
    public const string AntiAffinityReason = "node(s) didn't match pod anti-affinity rules";
    public const string ExistingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules";

    // One immutable answer per kind rather than one per rejected node (a required affinity rejects most nodes).
    private static readonly FilterStatus AffinityMissingKey = FilterStatus.Unresolvable("InterPodAffinity", AffinityReason);
    private static readonly FilterStatus AffinityUnmatched = FilterStatus.Unschedulable("InterPodAffinity", AffinityReason);
    private static readonly FilterStatus AntiAffinityMatched = FilterStatus.Unschedulable("InterPodAffinity", AntiAffinityReason);
    private static readonly FilterStatus ExistingAntiAffinityMatched = FilterStatus.Unschedulable("InterPodAffinity", ExistingAntiAffinityReason);

    /// <summary>kube-scheduler's hardPodAffinityWeight: how much an existing pod's required affinity to this pod counts when scoring.</summary>
    private const int HardPodAffinityWeight = 1;

    private Dictionary<string, int>[] _affinityCounts = [];
    private Dictionary<string, int>[] _antiCounts = [];
    private readonly Dictionary<string, Dictionary<string, int>> _existingAntiWalked = new(StringComparer.Ordinal);
    private readonly List<(string Key, Dictionary<string, int> Domains)> _existingAnti = [];

    // Per topology key, per value, the summed weights of the preferred terms (and existing pods' required affinity).
    private readonly Dictionary<string, Dictionary<string, long>> _preferred = new(StringComparer.Ordinal);
    private bool _affinityMatchesNothing;
    private bool _active;

    public string Name => "InterPodAffinity";

    public int Weight => 2;

    public FilterStatus PreFilter(PodInfo pod, SchedulingContext context)
    {
        _existingAnti.Clear();
        _existingAntiWalked.Clear();
        _preferred.Clear();
        if (context.Index is { } index && !index.IsCounted(pod.Uid) && AllCountable(pod))
        {
            PreFilterFromIndex(pod, context, index);
            return FilterStatus.Success;
        }

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
        foreach (var (key, domains) in _existingAntiWalked)
        {
            _existingAnti.Add((key, domains));
        }

        return FilterStatus.Success;
    }

    private static bool AllCountable(PodInfo pod) =>
        pod.RequiredAffinity.All(TopologyIndex.CanCount) && pod.RequiredAntiAffinity.All(TopologyIndex.CanCount)
        && pod.PreferredAffinity.All(TopologyIndex.CanCount) && pod.PreferredAntiAffinity.All(TopologyIndex.CanCount);

    // The same state as the walk above, from the index: the pod's own terms read their counts (the index's dictionaries,
    // never changed here), and each group of placed pods' terms is tested against the pod once.
    private void PreFilterFromIndex(PodInfo pod, SchedulingContext context, TopologyIndex index)
    {
        _affinityCounts = new Dictionary<string, int>[pod.RequiredAffinity.Count];
        AffinityTermCounts? smallest = null;
        for (var i = 0; i < pod.RequiredAffinity.Count; i++)
        {
            var counts = index.Term(pod.RequiredAffinity[i]);
            _affinityCounts[i] = counts.PerDomain;
            if (smallest is null || counts.Members.Count < smallest.Members.Count)
            {
                smallest = counts;
            }
        }

        // A pod satisfying the affinity matches every term: look for one among the members of the rarest term.
        var anyAffinityMatch = smallest is not null && (pod.RequiredAffinity.Count == 1
            ? smallest.Members.Count > 0
            : smallest.Members.Any(other => pod.RequiredAffinity.All(t => t.Matches(other, context.NamespaceLabels))));

        _antiCounts = new Dictionary<string, int>[pod.RequiredAntiAffinity.Count];
        for (var i = 0; i < pod.RequiredAntiAffinity.Count; i++)
        {
            _antiCounts[i] = index.Term(pod.RequiredAntiAffinity[i]).PerDomain;
        }

        AddPreferredFromIndex(pod.PreferredAffinity, index, sign: 1);
        AddPreferredFromIndex(pod.PreferredAntiAffinity, index, sign: -1);
        foreach (var group in index.ExistingTerms)
        {
            if (group.Kind == ExistingTermKind.RequiredAntiAffinity)
            {
                if (group.Term.Matches(pod, context.NamespaceLabels))
                {
                    _existingAnti.Add((group.Term.TopologyKey, group.PerDomain));
                }

                continue;
            }

            var weight = group.Kind switch
            {
                ExistingTermKind.RequiredAffinity => HardPodAffinityWeight,
                ExistingTermKind.PreferredAffinity => group.Term.Weight,
                _ => -group.Term.Weight,
            };
            if (weight == 0 || !group.Term.Matches(pod, context.NamespaceLabels))
            {
                continue;
            }

            foreach (var (value, pods) in group.PerDomain)
            {
                AddPreferred(group.Term.TopologyKey, value, (long)weight * pods);
            }
        }

        _active = pod.HasPodAffinity || index.ExistingTerms.Count > 0;
        _affinityMatchesNothing = pod.RequiredAffinity.Count > 0 && !anyAffinityMatch
            && pod.RequiredAffinity.All(t => t.Matches(pod, context.NamespaceLabels));
    }

    private void AddPreferredFromIndex(IReadOnlyList<PodAffinityTerm> terms, TopologyIndex index, int sign)
    {
        foreach (var term in terms)
        {
            if (term.Weight == 0)
            {
                continue;
            }

            foreach (var (value, pods) in index.Term(term).PerDomain)
            {
                AddPreferred(term.TopologyKey, value, (long)sign * term.Weight * pods);
            }
        }
    }

    private void AddPreferred(string key, string value, long weight)
    {
        if (!_preferred.TryGetValue(key, out var values))
        {
            _preferred[key] = values = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(values, value, out _);
        slot += weight;
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
                return AffinityMissingKey;
            }

            if (!_affinityMatchesNothing && _affinityCounts[i].GetValueOrDefault(value) == 0)
            {
                return AffinityUnmatched;
            }
        }

        for (var i = 0; i < pod.RequiredAntiAffinity.Count; i++)
        {
            var term = pod.RequiredAntiAffinity[i];
            if (node.Labels.TryGetValue(term.TopologyKey, out var value) && _antiCounts[i].GetValueOrDefault(value) > 0)
            {
                return AntiAffinityMatched;
            }
        }

        // Per topology key the domains existing pods' anti-affinity closes to this pod: a lookup per key, not per domain.
        foreach (var (key, domains) in _existingAnti)
        {
            if (node.Labels.TryGetValue(key, out var nodeValue) && domains.ContainsKey(nodeValue))
            {
                return ExistingAntiAffinityMatched;
            }
        }

        return FilterStatus.Success;
    }

    /// <summary>Sums the weights of matching preferred terms per node's domains, then scales to 0..100 across the nodes.</summary>
    public void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        if (_preferred.Count == 0)
        {
            scores.Clear();
            return;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        for (var i = 0; i < nodes.Length; i++)
        {
            long total = 0;
            foreach (var (key, values) in _preferred)
            {
                if (nodes[i].Labels.TryGetValue(key, out var nodeValue) && values.TryGetValue(nodeValue, out var weight))
                {
                    total += weight;
                }
            }

            scores[i] = total;
            min = Math.Min(min, total);
            max = Math.Max(max, total);
        }

        for (var i = 0; i < nodes.Length; i++)
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
                AddPreferred(term.TopologyKey, value, sign * term.Weight);
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
                if (!_existingAntiWalked.TryGetValue(term.TopologyKey, out var domains))
                {
                    _existingAntiWalked[term.TopologyKey] = domains = new Dictionary<string, int>(StringComparer.Ordinal);
                }

                domains[value] = domains.GetValueOrDefault(value) + 1;
            }
        }

        foreach (var term in other.RequiredAffinity)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var value) && term.Matches(pod, context.NamespaceLabels))
            {
                AddPreferred(term.TopologyKey, value, HardPodAffinityWeight);
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
                AddPreferred(term.TopologyKey, value, sign * term.Weight);
            }
        }
    }
}
