namespace Capstan.Agent.Eviction;

/// <summary>Where the eviction manager reads the node's signals; tests replace it to fake pressure.</summary>
public interface IEvictionSignalSource
{
    /// <summary>The signals that could be observed now; a signal missing from the result is not judged.</summary>
    IReadOnlyDictionary<EvictionSignal, SignalObservation> Observe();
}
