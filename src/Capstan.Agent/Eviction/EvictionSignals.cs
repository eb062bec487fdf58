namespace Capstan.Agent.Eviction;

/// <summary>Signal names as the kubelet spells them, and what each one reclaims and which node condition it drives.</summary>
public static class EvictionSignals
{
    public static string Name(EvictionSignal signal) => signal switch
    {
        EvictionSignal.MemoryAvailable => "memory.available",
        EvictionSignal.NodeFsAvailable => "nodefs.available",
        EvictionSignal.NodeFsInodesFree => "nodefs.inodesFree",
        EvictionSignal.ImageFsAvailable => "imagefs.available",
        _ => throw new ArgumentOutOfRangeException(nameof(signal)),
    };

    public static EvictionSignal? Parse(string name) => name switch
    {
        "memory.available" => EvictionSignal.MemoryAvailable,
        "nodefs.available" => EvictionSignal.NodeFsAvailable,
        "nodefs.inodesFree" => EvictionSignal.NodeFsInodesFree,
        "imagefs.available" => EvictionSignal.ImageFsAvailable,
        _ => null,
    };

    /// <summary>The resource named in the eviction message ("The node was low on resource: memory.").</summary>
    public static string Resource(EvictionSignal signal) => signal switch
    {
        EvictionSignal.MemoryAvailable => "memory",
        EvictionSignal.NodeFsInodesFree => "inodes",
        _ => "ephemeral-storage",
    };

    /// <summary>MemoryPressure for memory, DiskPressure for the file-system signals.</summary>
    public static bool IsMemory(EvictionSignal signal) => signal == EvictionSignal.MemoryAvailable;
}
