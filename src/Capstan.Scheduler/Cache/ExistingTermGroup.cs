using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Cache;

/// <summary>
/// The same (anti-)affinity term carried by placed pods, of one kind and weight: per value of its topology key, how many
/// counted pods carry it there. An incoming pod tests the term once and, if it matches, takes every domain at once,
/// instead of visiting each pod that carries it.
/// </summary>
public sealed class ExistingTermGroup
{
    internal ExistingTermGroup(PodAffinityTerm term, ExistingTermKind kind)
    {
        Term = term;
        Kind = kind;
    }

    public PodAffinityTerm Term { get; }

    public ExistingTermKind Kind { get; }

    /// <summary>Pods carrying the term per value of its topology key (on nodes that have the key); values without any are absent.</summary>
    public Dictionary<string, int> PerDomain { get; } = new(StringComparer.Ordinal);

    internal void Add(IReadOnlyDictionary<string, string> labels, int delta)
    {
        if (labels.TryGetValue(Term.TopologyKey, out var value))
        {
            TopologyIndex.Bump(PerDomain, value, delta);
        }
    }
}
