using Capstan.Network.Weighting;

namespace Capstan.Network.Proxy;

/// <summary>
/// The stable/canary split of one backend choice: smooth weighted round robin picks the group (exact shares), a round
/// robin inside the group picks the backend. Built only when both groups have backends; otherwise plain round robin
/// over whatever is there already gives all traffic to the only group.
/// </summary>
internal sealed class CanarySplit
{
    private readonly int[] _stable;
    private readonly int[] _canary;
    private readonly SmoothWeightedRoundRobin _groups;
    private int _nextStable = -1;
    private int _nextCanary = -1;

    private CanarySplit(int[] stable, int[] canary, int weight)
    {
        _stable = stable;
        _canary = canary;
        Weight = weight;
        _groups = new SmoothWeightedRoundRobin([100 - weight, weight]);
    }

    /// <summary>The canary's share in percent.</summary>
    public int Weight { get; }

    /// <summary>The split of <paramref name="backends"/> at <paramref name="weight"/> percent, or null when no split applies.</summary>
    public static CanarySplit? Create(IReadOnlyList<Catalog.Backend> backends, int? weight)
    {
        if (weight is not { } w)
        {
            return null;
        }

        var stable = new List<int>();
        var canary = new List<int>();
        for (var i = 0; i < backends.Count; i++)
        {
            (backends[i].Canary ? canary : stable).Add(i);
        }

        return stable.Count > 0 && canary.Count > 0 ? new CanarySplit([.. stable], [.. canary], w) : null;
    }

    /// <summary>The index (into the choice's backends) of the next pick.</summary>
    public int Next()
    {
        if (_groups.Next() == 1)
        {
            return _canary[(int)((uint)Interlocked.Increment(ref _nextCanary) % (uint)_canary.Length)];
        }

        return _stable[(int)((uint)Interlocked.Increment(ref _nextStable) % (uint)_stable.Length)];
    }
}
