using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Cache;

/// <summary>
/// For one topology spread selector (namespace, label selector, topology key): how many counted pods match it on each
/// node and in each domain. Kept current by <see cref="TopologyIndex"/>; read only under the cache's lock.
/// </summary>
public sealed class SpreadCounts
{
    internal SpreadCounts(string ns, TopologySpreadConstraint constraint)
    {
        Namespace = ns;
        Constraint = constraint;
    }

    public string Namespace { get; }

    /// <summary>The constraint the counts were first built for; any constraint with the same selector and key shares them.</summary>
    public TopologySpreadConstraint Constraint { get; }

    /// <summary>Matching pods per node; nodes without any are absent.</summary>
    public Dictionary<NodeInfo, int> PerNode { get; } = [];

    /// <summary>Matching pods per value of the topology key, over the nodes that have it; domains without any are absent.</summary>
    public Dictionary<string, int> PerDomain { get; } = new(StringComparer.Ordinal);

    internal long LastUsed { get; set; }

    internal bool Matches(PodInfo pod) => pod.Namespace == Namespace && Constraint.Selector.Matches(pod.Labels);

    internal void Add(NodeInfo node, IReadOnlyDictionary<string, string> labels, int delta)
    {
        TopologyIndex.Bump(PerNode, node, delta);
        if (labels.TryGetValue(Constraint.TopologyKey, out var value))
        {
            TopologyIndex.Bump(PerDomain, value, delta);
        }
    }
}
