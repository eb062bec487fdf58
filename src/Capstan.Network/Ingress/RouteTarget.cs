namespace Capstan.Network.Ingress;

/// <summary>
/// Where a matched request goes: one backend, or several with weights (a primary and its canaries). Source names the
/// Ingress ("namespace/name") the route came from.
/// </summary>
public sealed class RouteTarget(IReadOnlyList<WeightedBackend> backends, string source)
{
    public IReadOnlyList<WeightedBackend> Backends { get; } = backends;

    public string Source { get; } = source;

    /// <summary>Picks among <see cref="Backends"/> by weight, exactly in proportion, while all of them have endpoints.</summary>
    public Weighting.SmoothWeightedRoundRobin Picker { get; } = new([.. backends.Select(b => b.Weight)]);

    public override string ToString() => $"{Source} -> {string.Join(", ", Backends.Select(b => $"{b.ClusterId}={b.Weight}"))}";
}
