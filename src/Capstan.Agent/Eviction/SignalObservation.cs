namespace Capstan.Agent.Eviction;

/// <summary>How much of a resource is available now and how much the node has in all (bytes, or inodes).</summary>
public readonly record struct SignalObservation(long Available, long Capacity);
