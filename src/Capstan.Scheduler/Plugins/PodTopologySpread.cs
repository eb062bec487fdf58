using Capstan.Scheduler.Cache;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// topologySpreadConstraints. PreFilter counts, per constraint, the matching pods (same namespace, not being deleted) in
/// every domain of its topology key over the eligible nodes: those with every constraint's key, matching the pod's node
/// affinity and selector (nodeAffinityPolicy Honor, the default) and, with nodeTaintsPolicy Honor, whose taints it
/// tolerates. A DoNotSchedule constraint rejects a node when placing the pod there would put its domain more than maxSkew
/// above the emptiest domain (taken as 0 while there are fewer than minDomains domains). ScheduleAnyway constraints score:
/// the fewer matching pods in the node's domains, the better.
/// With the scheduler cache's index the counts are not gathered from the pods: when every node is eligible (the pod has
/// no node selector or affinity to honour, no taints to honour, every node has every key) they are the index's
/// per-domain counts as they stand; otherwise the index's per-node counts summed over the eligible nodes.
/// </summary>
internal sealed class PodTopologySpread : IPreFilterPlugin, IFilterPlugin, IScorePlugin
{
    public const string SkewReason = "node(s) didn't match pod topology spread constraints";
    public const string MissingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)";

    // One answer per kind, not one per rejected node: a zone-spread decision rejects thousands of nodes (the statuses are
    // immutable), and allocating each was 7 % of the server's allocation in the spread benchmark.
    private static readonly FilterStatus MissingLabel = FilterStatus.Unresolvable("PodTopologySpread", MissingLabelReason);
    private static readonly FilterStatus Skewed = FilterStatus.Unschedulable("PodTopologySpread", SkewReason);

    private readonly TaintToleration _taints = new();
    private ConstraintState[] _states = [];

    public string Name => "PodTopologySpread";

    public int Weight => 2;

    public FilterStatus PreFilter(PodInfo pod, SchedulingContext context)
    {
        var constraints = pod.SpreadConstraints;
        if (constraints.Count == 0)
        {
            _states = [];
            return FilterStatus.Success;
        }

        _states = new ConstraintState[constraints.Count];
        for (var i = 0; i < constraints.Count; i++)
        {
            _states[i] = new ConstraintState(constraints[i], constraints[i].Selector.Matches(pod.Labels) ? 1 : 0);
        }

        var honorAffinity = _states.Any(st => st.Constraint.HonorNodeAffinity);
        var honorTaints = _states.Any(st => st.Constraint.HonorNodeTaints);
        if (context.Index is { } index && !index.IsCounted(pod.Uid))
        {
            CountFromIndex(pod, context, index, honorAffinity, honorTaints);
            return FilterStatus.Success;
        }

        foreach (var node in context.Nodes)
        {
            if (!HasAllKeys(node, constraints))
            {
                continue;
            }

            // Each node's eligibility is decided once, not once per constraint.
            var affinityOk = !honorAffinity || NodeAffinity.Matches(pod, node);
            var taintsOk = !honorTaints || _taints.Filter(pod, node).IsSuccess;
            foreach (var state in _states)
            {
                var c = state.Constraint;
                if ((c.HonorNodeAffinity && !affinityOk) || (c.HonorNodeTaints && !taintsOk))
                {
                    continue;
                }

                var value = node.Labels[c.TopologyKey];
                var count = 0;
                if (node.PodCount > 0)
                {
                    foreach (var other in node.Pods)
                    {
                        if (other.Namespace == pod.Namespace && other.Uid != pod.Uid && !other.IsDeleting && c.Selector.Matches(other.Labels))
                        {
                            count++;
                        }
                    }
                }

                ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(state.Counts, value, out _);
                slot += count;
            }
        }

        foreach (var state in _states)
        {
            state.Min = state.Counts.Count == 0 || state.Counts.Count < state.Constraint.MinDomains ? 0 : state.Counts.Values.Min();
        }

        return FilterStatus.Success;
    }

    private void CountFromIndex(PodInfo pod, SchedulingContext context, TopologyIndex index, bool honorAffinity, bool honorTaints)
    {
        var allEligible = (!honorAffinity || (pod.NodeSelector is null && pod.RequiredNodeAffinity is null))
            && (!honorTaints || index.TaintedNodeCount == 0)
            && _states.All(st => index.NodesWithKey(st.Constraint.TopologyKey) == index.NodeCount);
        if (allEligible)
        {
            foreach (var state in _states)
            {
                // The index's own dictionary, read in place: it holds only domains with matching pods, so a domain is
                // empty when fewer domains have pods than nodes have the key.
                var counts = index.Spread(pod.Namespace, state.Constraint).PerDomain;
                var domains = index.Domains(state.Constraint.TopologyKey).Count;
                state.Counts = counts;
                state.Min = domains == 0 || domains < state.Constraint.MinDomains || counts.Count < domains ? 0 : counts.Values.Min();
            }

            return;
        }

        var perNode = _states.Select(st => index.Spread(pod.Namespace, st.Constraint).PerNode).ToArray();
        foreach (var node in context.Nodes)
        {
            if (!HasAllKeys(node, pod.SpreadConstraints))
            {
                continue;
            }

            var affinityOk = !honorAffinity || NodeAffinity.Matches(pod, node);
            var taintsOk = !honorTaints || _taints.Filter(pod, node).IsSuccess;
            for (var i = 0; i < _states.Length; i++)
            {
                var c = _states[i].Constraint;
                if ((c.HonorNodeAffinity && !affinityOk) || (c.HonorNodeTaints && !taintsOk))
                {
                    continue;
                }

                ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_states[i].Counts, node.Labels[c.TopologyKey], out _);
                slot += perNode[i].GetValueOrDefault(node);
            }
        }

        foreach (var state in _states)
        {
            state.Min = state.Counts.Count == 0 || state.Counts.Count < state.Constraint.MinDomains ? 0 : state.Counts.Values.Min();
        }
    }

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        foreach (var state in _states)
        {
            var c = state.Constraint;
            if (!c.DoNotSchedule)
            {
                continue;
            }

            if (!node.Labels.TryGetValue(c.TopologyKey, out var value))
            {
                return MissingLabel;
            }

            // Example: zones a=3, b=2, c=2, maxSkew 1, the pod matches itself: on a the skew is 3+1-2 = 2 > 1, rejected;
            // on b it is 2+1-2 = 1, allowed.
            if (state.Counts.GetValueOrDefault(value) + state.SelfMatch - state.Min > c.MaxSkew)
            {
                return Skewed;
            }
        }

        return FilterStatus.Success;
    }

    public void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        if (!_states.Any(s => !s.Constraint.DoNotSchedule))
        {
            scores.Clear();
            return;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        for (var i = 0; i < nodes.Length; i++)
        {
            long total = 0;
            foreach (var state in _states)
            {
                if (!state.Constraint.DoNotSchedule && nodes[i].Labels.TryGetValue(state.Constraint.TopologyKey, out var value))
                {
                    total += state.Counts.GetValueOrDefault(value);
                }
            }

            scores[i] = total;
            min = Math.Min(min, total);
            max = Math.Max(max, total);
        }

        for (var i = 0; i < nodes.Length; i++)
        {
            scores[i] = max == min ? IScorePlugin.MaxNodeScore : (max - scores[i]) * IScorePlugin.MaxNodeScore / (max - min);
        }
    }

    private static bool HasAllKeys(NodeInfo node, IReadOnlyList<TopologySpreadConstraint> constraints)
    {
        for (var i = 0; i < constraints.Count; i++)
        {
            if (!node.Labels.ContainsKey(constraints[i].TopologyKey))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class ConstraintState(TopologySpreadConstraint constraint, int selfMatch)
    {
        public TopologySpreadConstraint Constraint { get; } = constraint;

        public int SelfMatch { get; } = selfMatch;

        /// <summary>Matching pods per eligible domain; may be the index's own dictionary, so never changed after PreFilter.</summary>
        public Dictionary<string, int> Counts { get; set; } = new(StringComparer.Ordinal);

        public int Min { get; set; }
    }
}
