using Capstan.Agent.Eviction;

namespace Capstan.Agent.Tests.Eviction;

/// <summary>A signal source that reports what the test sets.</summary>
internal sealed class FixedSignals(Dictionary<EvictionSignal, SignalObservation> values) : IEvictionSignalSource
{
    public Dictionary<EvictionSignal, SignalObservation> Values { get; } = values;

    public IReadOnlyDictionary<EvictionSignal, SignalObservation> Observe() => new Dictionary<EvictionSignal, SignalObservation>(Values);
}
