namespace Capstan.Agent.Env;

/// <summary>What resourceFieldRef limits default to when a container sets none: the node's allocatable.</summary>
public sealed record NodeAllocatable(long CpuMillis, long MemoryBytes, long EphemeralStorageBytes);
