using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Cache;

/// <summary>
/// For one pod (anti-)affinity term an incoming pod carries: the counted pods it matches, and how many of them are in
/// each value of its topology key. Kept current by <see cref="TopologyIndex"/>; read only under the cache's lock.
/// </summary>
public sealed class AffinityTermCounts
{
    internal AffinityTermCounts(PodAffinityTerm term)
    {
        Term = term;
    }

    /// <summary>The term the counts were first built for; any term with the same signature shares them.</summary>
    public PodAffinityTerm Term { get; }

    /// <summary>Every counted pod the term matches, wherever it runs (also on nodes without the topology key).</summary>
    public HashSet<PodInfo> Members { get; } = [];

    /// <summary>Matching pods per value of the topology key; values without any are absent.</summary>
    public Dictionary<string, int> PerDomain { get; } = new(StringComparer.Ordinal);

    internal long LastUsed { get; set; }

    internal void Add(PodInfo pod, IReadOnlyDictionary<string, string> labels, int delta)
    {
        if (delta > 0)
        {
            Members.Add(pod);
        }
        else
        {
            Members.Remove(pod);
        }

        if (labels.TryGetValue(Term.TopologyKey, out var value))
        {
            TopologyIndex.Bump(PerDomain, value, delta);
        }
    }
}
