namespace Capstan.Bench.Workloads.Cluster;

/// <summary>Every observation of one pod (by uid), in the order the watch delivered them.</summary>
public sealed class PodHistory(string name, string uid)
{
    private readonly List<PodObservation> _observations = [];

    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public IReadOnlyList<PodObservation> Observations => _observations;

    public PodObservation Latest => _observations[^1];

    /// <summary>When the pod first appeared in the watch (its ADDED event, as a Stopwatch timestamp).</summary>
    public long FirstSeen => _observations[0].At;

    public bool IsDeleted => _observations.Count > 0 && _observations[^1].Deleted;

    public string? NodeName => _observations.LastOrDefault(o => o.NodeName is not null)?.NodeName;

    internal void Add(PodObservation observation) => _observations.Add(observation);

    internal PodHistory Copy()
    {
        var copy = new PodHistory(Name, Uid);
        copy._observations.AddRange(_observations);
        return copy;
    }

    /// <summary>The timestamp of the first observation at or after <paramref name="from"/> that matches, or null.</summary>
    public long? First(Func<PodObservation, bool> match, long from = long.MinValue) =>
        _observations.FirstOrDefault(o => o.At >= from && match(o))?.At;
}
