namespace Capstan.Bench.Workloads.Cluster;

/// <param name="At">Stopwatch timestamp when this process decoded the event.</param>
/// <param name="Ready">The status of the Ready condition: True, False, Unknown, or null when absent.</param>
/// <param name="Taints">key:effect of every taint.</param>
public sealed record NodeObservation(long At, string Name, string? Ready, IReadOnlyList<string> Taints);
