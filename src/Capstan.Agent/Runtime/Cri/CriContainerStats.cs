namespace Capstan.Agent.Runtime.Cri;

/// <summary>A container's resource usage as the CRI reports it (null where the runtime gave no figure).</summary>
/// <param name="CpuUsageNanoCores">Average CPU use since the runtime's previous sample, in billionths of a core.</param>
/// <param name="CpuUsageCoreNanoSeconds">CPU time consumed since the container started.</param>
/// <param name="MemoryWorkingSetBytes">Memory use minus inactive file pages (what the OOM killer and evictions look at).</param>
public sealed record CriContainerStats(
    string ContainerId,
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset Timestamp,
    ulong? CpuUsageNanoCores,
    ulong? CpuUsageCoreNanoSeconds,
    ulong? MemoryWorkingSetBytes,
    ulong? MemoryUsageBytes,
    ulong? WritableLayerBytes);
