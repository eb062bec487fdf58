using Capstan.Scheduler.Plugins;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// Runs the filter plugins in order on every node (a node fails at its first rejecting plugin), then the score plugins
/// on the nodes left, and picks the best total (plugin score times weight), breaking ties at random.
/// </summary>
public sealed class SchedulingFramework
{
    private readonly IReadOnlyList<IFilterPlugin> _filters;
    private readonly IReadOnlyList<IScorePlugin> _scorers;
    private readonly Random _random;

    public SchedulingFramework(IReadOnlyList<IFilterPlugin> filters, IReadOnlyList<IScorePlugin> scorers, Random random)
    {
        _filters = filters;
        _scorers = scorers;
        _random = random;
    }

    /// <summary>kube-scheduler's default profile, in its filter order.</summary>
    public static SchedulingFramework CreateDefault(Random random, IReadOnlyList<IFilterPlugin>? extraFilters = null)
    {
        var taints = new TaintToleration();
        var affinity = new NodeAffinity();
        var fit = new NodeResourcesFit();
        return new SchedulingFramework([new NodeUnschedulable(), new NodeName(), taints, affinity, new NodePorts(), fit, .. extraFilters ?? []], [taints, affinity, fit], random);
    }

    public IReadOnlyList<IFilterPlugin> Filters => _filters;

    public IReadOnlyList<IScorePlugin> Scorers => _scorers;

    public FilterStatus RunFilters(PodInfo pod, NodeInfo node)
    {
        foreach (var filter in _filters)
        {
            var status = filter.Filter(pod, node);
            if (!status.IsSuccess)
            {
                return status;
            }
        }

        return FilterStatus.Success;
    }

    /// <summary>Chooses a node among <paramref name="nodes"/> (all known Node objects), or explains why none fits.</summary>
    public ScheduleResult Schedule(PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        if (nodes.Count == 0)
        {
            return new ScheduleResult(null, new FitError(0, new Dictionary<string, FilterStatus>()));
        }

        var feasible = new List<NodeInfo>(nodes.Count);
        Dictionary<string, FilterStatus>? failures = null;
        foreach (var node in nodes)
        {
            var status = RunFilters(pod, node);
            if (status.IsSuccess)
            {
                feasible.Add(node);
            }
            else
            {
                (failures ??= new Dictionary<string, FilterStatus>(StringComparer.Ordinal))[node.Name] = status;
            }
        }

        if (feasible.Count == 0)
        {
            var error = new FitError(nodes.Count, failures!);
            var byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
            return new ScheduleResult(null, error.WithPostFilterMessage(Preemption.Explain(pod, error, byName, RunFilters)));
        }

        return new ScheduleResult(feasible.Count == 1 ? feasible[0] : SelectHost(pod, feasible), null);
    }

    /// <summary>The weighted total score of each node, in the order given.</summary>
    public long[] Score(PodInfo pod, IReadOnlyList<NodeInfo> feasible)
    {
        var totals = new long[feasible.Count];
        var scores = feasible.Count <= 256 ? stackalloc long[feasible.Count] : new long[feasible.Count];
        foreach (var scorer in _scorers)
        {
            scores.Clear();
            scorer.Score(pod, feasible, scores);
            for (var i = 0; i < totals.Length; i++)
            {
                totals[i] += scores[i] * scorer.Weight;
            }
        }

        return totals;
    }

    private NodeInfo SelectHost(PodInfo pod, List<NodeInfo> feasible)
    {
        var totals = Score(pod, feasible);
        var best = 0;
        var ties = 1;
        for (var i = 1; i < totals.Length; i++)
        {
            if (totals[i] > totals[best])
            {
                best = i;
                ties = 1;
            }
            else if (totals[i] == totals[best])
            {
                // Reservoir sampling: each of the tied nodes ends up chosen with equal chance.
                ties++;
                if (_random.Next(ties) == 0)
                {
                    best = i;
                }
            }
        }

        return feasible[best];
    }
}
