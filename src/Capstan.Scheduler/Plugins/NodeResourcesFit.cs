using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// The pod's requests must fit in the node's allocatable minus what its pods already request, and the node must take one
/// more pod. Scores with its scoring strategy: LeastAllocated by default (the more CPU and memory left free after placing
/// the pod, the better), or MostAllocated / RequestedToCapacityRatio from the scheduler configuration.
/// </summary>
internal sealed class NodeResourcesFit : IFilterPlugin, IScorePlugin
{
    public const string TooManyPods = "Too many pods";

    private readonly ScoringStrategy _strategy;

    public NodeResourcesFit(ScoringStrategy? strategy = null)
    {
        _strategy = strategy ?? ScoringStrategy.Default;
    }

    public ScoringStrategy Strategy => _strategy;

    public string Name => "NodeResourcesFit";

    public int Weight => 1;

    public static string Insufficient(string resource) => "Insufficient " + resource;

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        List<string>? reasons = null;
        if (node.PodCount + 1 > node.AllowedPods)
        {
            (reasons ??= []).Add(TooManyPods);
        }

        var request = pod.Requests;
        if (!request.IsZero)
        {
            var allocatable = node.Allocatable;
            var requested = node.Requested;
            if (allocatable.MilliCpu < request.MilliCpu + requested.MilliCpu)
            {
                (reasons ??= []).Add(Insufficient(Resources.Cpu));
            }

            if (allocatable.MemoryBytes < request.MemoryBytes + requested.MemoryBytes)
            {
                (reasons ??= []).Add(Insufficient(Resources.Memory));
            }

            if (allocatable.EphemeralStorageBytes < request.EphemeralStorageBytes + requested.EphemeralStorageBytes)
            {
                (reasons ??= []).Add(Insufficient(Resources.EphemeralStorage));
            }

            if (request.Scalars.Count > 0)
            {
                foreach (var (name, amount) in request.Scalars.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    if (amount != 0 && allocatable.Get(name) < amount + requested.Get(name))
                    {
                        (reasons ??= []).Add(Insufficient(name));
                    }
                }
            }
        }

        return reasons is null ? FilterStatus.Success : FilterStatus.Unschedulable(Name, reasons);
    }

    /// <summary>
    /// LeastAllocated over CPU and memory, weight 1 each, with the non-zero defaults for containers that request nothing.
    /// Example: 4000m allocatable, 1000m requested by others, the pod asks 1000m: (4000 - 2000) * 100 / 4000 = 50 for CPU;
    /// with memory scoring 70 the node scores (50 + 70) / 2 = 60.
    /// </summary>
    public void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        for (var i = 0; i < nodes.Length; i++)
        {
            scores[i] = ReferenceEquals(_strategy, ScoringStrategy.Default) ? LeastAllocated(pod, nodes[i]) : StrategyScore(_strategy, pod, nodes[i]);
        }
    }

    /// <summary>The weighted mean of the strategy's per-resource scores; resources the node does not offer are skipped.</summary>
    public static long StrategyScore(ScoringStrategy strategy, PodInfo pod, NodeInfo node)
    {
        long total = 0;
        long weights = 0;
        foreach (var (name, weight) in strategy.Resources)
        {
            var allocatable = node.Allocatable.Get(name);
            if (allocatable <= 0 || weight <= 0)
            {
                continue;
            }

            var requested = name is Resources.Cpu or Resources.Memory
                ? node.NonZeroRequested.Get(name) + pod.NonZeroRequests.Get(name)
                : node.Requested.Get(name) + pod.Requests.Get(name);
            total += strategy.ResourceScore(requested, allocatable) * weight;
            weights += weight;
        }

        return weights == 0 ? 0 : total / weights;
    }

    public static long LeastAllocated(PodInfo pod, NodeInfo node)
    {
        long total = 0;
        long weights = 0;
        Add(node.Allocatable.MilliCpu, node.NonZeroRequested.MilliCpu + pod.NonZeroRequests.MilliCpu, ref total, ref weights);
        Add(node.Allocatable.MemoryBytes, node.NonZeroRequested.MemoryBytes + pod.NonZeroRequests.MemoryBytes, ref total, ref weights);
        return weights == 0 ? 0 : total / weights;

        static void Add(long allocatable, long requested, ref long total, ref long weights)
        {
            if (allocatable == 0)
            {
                return;
            }

            total += requested > allocatable ? 0 : (allocatable - requested) * IScorePlugin.MaxNodeScore / allocatable;
            weights++;
        }
    }
}
