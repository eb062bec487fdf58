using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// Prefers nodes whose CPU and memory would be used in like proportion with the pod placed: 100 × (1 − the standard
/// deviation of the used fractions). Example: cpu 50% and memory 70% used → deviation 0.1 → 90.
/// </summary>
internal sealed class NodeResourcesBalancedAllocation : IScorePlugin
{
    public string Name => "NodeResourcesBalancedAllocation";

    public int Weight => 1;

    public void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        for (var i = 0; i < nodes.Length; i++)
        {
            scores[i] = Balanced(pod, nodes[i]);
        }
    }

    public static long Balanced(PodInfo pod, NodeInfo node)
    {
        var cpu = Fraction(node.NonZeroRequested.MilliCpu + pod.NonZeroRequests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = Fraction(node.NonZeroRequested.MemoryBytes + pod.NonZeroRequests.MemoryBytes, node.Allocatable.MemoryBytes);
        var deviation = Math.Abs(cpu - memory) / 2;
        return (long)((1 - deviation) * IScorePlugin.MaxNodeScore);
    }

    private static double Fraction(long requested, long allocatable) =>
        allocatable <= 0 ? 1 : Math.Min(1, (double)requested / allocatable);
}
