using System.Globalization;
using k8s.Models;

namespace Capstan.Agent.Eviction;

/// <summary>
/// One hard threshold, "signal&lt;value": met when the signal's available amount falls below a quantity, or below a
/// percentage of its capacity.
/// </summary>
public sealed record EvictionThreshold(EvictionSignal Signal, ResourceQuantity? Quantity, double? Percentage)
{
    /// <summary>The threshold in the signal's unit (bytes or inodes) for a resource of <paramref name="capacity"/>.</summary>
    public long ValueFor(long capacity) => Quantity is not null
        ? (long)Quantity.ToDecimal()
        : (long)Math.Ceiling(capacity * (Percentage ?? 0) / 100.0);

    public bool IsMet(SignalObservation observation) => observation.Available < ValueFor(observation.Capacity);

    /// <summary>As written in --eviction-hard, e.g. memory.available&lt;100Mi.</summary>
    public override string ToString() => $"{EvictionSignals.Name(Signal)}<{QuantityText}";

    /// <summary>The threshold's value as the eviction message names it (the quantity, or the percentage).</summary>
    public string QuantityText => Quantity?.ToString() ?? (Percentage ?? 0).ToString(CultureInfo.InvariantCulture) + "%";
}
