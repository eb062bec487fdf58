namespace Capstan.Agent.Eviction;

/// <summary>The kubelet's eviction signals Capstan observes.</summary>
public enum EvictionSignal
{
    MemoryAvailable,
    NodeFsAvailable,
    NodeFsInodesFree,
    ImageFsAvailable,
}
