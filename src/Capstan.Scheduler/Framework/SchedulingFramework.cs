using System.Buffers;
using System.Runtime.InteropServices;
using Capstan.Scheduler.Plugins;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// Runs the pre-filters once, the filter plugins in order on the nodes (a node fails at its first rejecting plugin) until
/// enough feasible nodes are found, then the score plugins on those, and picks the best total (plugin score times
/// weight), breaking ties at random. Like kube-scheduler, a large cluster is not searched whole for every pod: the search
/// stops after <see cref="NumFeasibleNodesToFind"/> feasible nodes and the next pod starts where this one stopped, so
/// every node gets its turn.
/// </summary>
public sealed class SchedulingFramework
{
    private readonly IFilterPlugin[] _filters;
    private readonly IScorePlugin[] _scorers;
    private readonly IReadOnlyList<IPreFilterPlugin> _preFilters;
    private readonly Random _random;
    private readonly int _percentageOfNodesToScore;
    private readonly int[] _weights;
    private int _nextStart;

    // The feasible nodes of the decision running on this thread: a list of hundreds of nodes per pod otherwise.
    [ThreadStatic]
    private static List<NodeInfo>? t_feasible;

    /// <param name="percentageOfNodesToScore">kube-scheduler's setting: 0 adapts to the cluster's size, 100 searches every node.</param>
    /// <param name="weights">Score weights by plugin name, overriding the plugins' defaults.</param>
    public SchedulingFramework(
        IReadOnlyList<IFilterPlugin> filters, IReadOnlyList<IScorePlugin> scorers, Random random, int percentageOfNodesToScore = 0, IReadOnlyDictionary<string, int>? weights = null)
    {
        _filters = [.. filters];
        _scorers = [.. scorers];
        _random = random;
        _percentageOfNodesToScore = percentageOfNodesToScore;
        _preFilters = [.. filters.OfType<IPreFilterPlugin>().Concat(scorers.OfType<IPreFilterPlugin>()).Distinct()];
        _weights = [.. scorers.Select(s => weights?.GetValueOrDefault(s.Name) is { } w and > 0 ? w : s.Weight)];
    }

    /// <summary>
    /// kube-scheduler's default plugins, in its filter order, shaped by <paramref name="profile"/>. A new plugin is one
    /// more line in this list (filters run in list order; every IScorePlugin in it scores).
    /// </summary>
    public static SchedulingFramework Create(Configuration.SchedulerProfile profile, Random random, IReadOnlyList<IFilterPlugin>? extraFilters = null)
    {
        var taints = new TaintToleration();
        var affinity = new NodeAffinity();
        object[] plugins =
        [
            new NodeUnschedulable(),
            new NodeName(),
            taints,
            affinity,
            new NodePorts(),
            new NodeResourcesFit(profile.ScoringStrategy),
            new PodTopologySpread(),
            new InterPodAffinity(),
            new NodeResourcesBalancedAllocation(),
            .. extraFilters ?? [],
        ];
        var enabled = plugins.Where(p => !profile.DisabledPlugins.Contains(Name(p))).ToList();
        var scoreOff = profile.DisabledScorePlugins;
        return new SchedulingFramework(
            [.. enabled.OfType<IFilterPlugin>()],
            [.. enabled.OfType<IScorePlugin>().Where(s => !scoreOff.Contains(s.Name) && (!scoreOff.Contains("*") || profile.ScoreWeights.ContainsKey(s.Name)))],
            random,
            profile.PercentageOfNodesToScore,
            profile.ScoreWeights);

        static string Name(object plugin) => plugin switch
        {
            IFilterPlugin f => f.Name,
            IScorePlugin s => s.Name,
            _ => "",
        };
    }

    /// <summary>
    /// How many feasible nodes to look for among <paramref name="nodes"/>: all of a small cluster; of a large one an
    /// adaptive share, kube-scheduler's 50% minus 1% per 125 nodes, at least 5% and at least 100 nodes. Example: 5,000
    /// nodes → 10% → 500.
    /// </summary>
    public int NumFeasibleNodesToFind(int nodes)
    {
        if (nodes < 100 || _percentageOfNodesToScore >= 100)
        {
            return nodes;
        }

        var percentage = _percentageOfNodesToScore > 0 ? _percentageOfNodesToScore : Math.Max(5, 50 - (nodes / 125));
        return Math.Max(100, (int)((long)nodes * percentage / 100));
    }

    /// <summary>kube-scheduler's default profile.</summary>
    public static SchedulingFramework CreateDefault(Random random) => Create(new Configuration.SchedulerProfile(), random);

    public IReadOnlyList<IFilterPlugin> Filters => _filters;

    public IReadOnlyList<IScorePlugin> Scorers => _scorers;

    public FilterStatus RunFilters(PodInfo pod, NodeInfo node) => RunFilters(pod, node, _filters);

    // An array, not a list interface: this runs per plugin per node, hundreds of nodes per decision.
    private static FilterStatus RunFilters(PodInfo pod, NodeInfo node, IFilterPlugin[] filters)
    {
        foreach (var filter in filters)
        {
            var status = filter.Filter(pod, node);
            if (!status.IsSuccess)
            {
                return status;
            }
        }

        return FilterStatus.Success;
    }

    /// <summary>
    /// The filters with the pods nominated to the node at <paramref name="pod"/>'s priority or above counted as if bound
    /// there; a node passes only if it also passes without them (kube-scheduler's two passes: a nominated pod may be what
    /// makes an affinity term hold, and it is not there yet).
    /// </summary>
    public FilterStatus RunFilters(PodInfo pod, NodeInfo node, Queue.NominatedPods? nominated) => RunFilters(pod, node, nominated, _filters);

    private static FilterStatus RunFilters(PodInfo pod, NodeInfo node, Queue.NominatedPods? nominated, IFilterPlugin[] filters)
    {
        if (nominated is { IsEmpty: false } && nominated.Ahead(pod, node.Name) is { Count: > 0 } ahead)
        {
            var status = RunFilters(pod, node.With(ahead), filters);
            if (!status.IsSuccess)
            {
                return status;
            }
        }

        return RunFilters(pod, node, filters);
    }

    /// <summary>Chooses a node among <paramref name="nodes"/> (all known Node objects), or explains why none fits.</summary>
    public ScheduleResult Schedule(PodInfo pod, IReadOnlyList<NodeInfo> nodes, Func<string, IReadOnlyDictionary<string, string>?>? namespaceLabels = null, Queue.NominatedPods? nominated = null)
    {
        if (nominated is { IsEmpty: true })
        {
            nominated = null;
        }

        if (nodes.Count == 0)
        {
            return new ScheduleResult(null, new FitError(0, new Dictionary<string, FilterStatus>()));
        }

        if (_preFilters.Count > 0)
        {
            var context = new SchedulingContext(nodes, namespaceLabels) { Index = (nodes as Cache.NodeSnapshot)?.Index };
            foreach (var preFilter in _preFilters)
            {
                var status = preFilter.PreFilter(pod, context);
                if (!status.IsSuccess)
                {
                    var failures = nodes.ToDictionary(n => n.Name, _ => status, StringComparer.Ordinal);
                    return new ScheduleResult(null, new FitError(nodes.Count, failures));
                }
            }
        }

        var wanted = NumFeasibleNodesToFind(nodes.Count);
        var feasible = t_feasible ??= [];
        feasible.Clear();
        try
        {
            return Decide(pod, nodes, nominated, wanted, feasible);
        }
        finally
        {
            feasible.Clear();
        }
    }

    private ScheduleResult Decide(PodInfo pod, IReadOnlyList<NodeInfo> nodes, Queue.NominatedPods? nominated, int wanted, List<NodeInfo> feasible)
    {
        // The filters that can reject this pod anywhere: the per-node loop below runs hundreds of times per decision.
        var filters = _filters.Where(f => f.AppliesTo(pod)).ToArray();

        var start = _nextStart % nodes.Count;
        var processed = 0;
        for (; processed < nodes.Count && feasible.Count < wanted; processed++)
        {
            var node = nodes[(start + processed) % nodes.Count];
            var status = RunFilters(pod, node, nominated, filters);
            if (status.IsSuccess)
            {
                feasible.Add(node);
            }
        }

        _nextStart = (start + processed) % nodes.Count;

        if (feasible.Count == 0)
        {
            // Rejections matter only when no node fits (every node was then filtered): asking the filters again is cheaper
            // than recording the thousands a tight spread constraint makes while a decision still succeeds.
            var failures = new Dictionary<string, FilterStatus>(nodes.Count, StringComparer.Ordinal);
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[(start + i) % nodes.Count];
                failures[node.Name] = RunFilters(pod, node, nominated);
            }

            var error = new FitError(nodes.Count, failures);
            var byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
            return new ScheduleResult(null, error.WithPostFilterMessage(Preemption.Explain(pod, error, byName, (p, n) => RunFilters(p, n, nominated))));
        }

        return new ScheduleResult(feasible.Count == 1 ? feasible[0] : SelectHost(pod, feasible), null);
    }

    /// <summary>The weighted total score of each node, in the order given.</summary>
    public long[] Score(PodInfo pod, ReadOnlySpan<NodeInfo> feasible)
    {
        var totals = new long[feasible.Length];
        ScoreInto(pod, feasible, totals);
        return totals;
    }

    // Adds each scorer's weighted scores into totals (zeroed by the caller). A decision scores hundreds of nodes: the
    // per-node arrays come from the stack or the pool, not the heap (they were 1.5 % of the server's allocation), and
    // the scorers index the nodes as a span, not through an interface call per node.
    private void ScoreInto(PodInfo pod, ReadOnlySpan<NodeInfo> feasible, Span<long> totals)
    {
        var rented = feasible.Length <= 256 ? null : ArrayPool<long>.Shared.Rent(feasible.Length);
        var scores = rented is null ? stackalloc long[feasible.Length] : rented.AsSpan(0, feasible.Length);
        try
        {
            for (var s = 0; s < _scorers.Length; s++)
            {
                scores.Clear();
                _scorers[s].Score(pod, feasible, scores);
                var weight = _weights[s];
                for (var i = 0; i < totals.Length; i++)
                {
                    totals[i] += scores[i] * weight;
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<long>.Shared.Return(rented);
            }
        }
    }

    private NodeInfo SelectHost(PodInfo pod, List<NodeInfo> feasible)
    {
        var rented = ArrayPool<long>.Shared.Rent(feasible.Count);
        var totals = rented.AsSpan(0, feasible.Count);
        totals.Clear();
        var best = 0;
        try
        {
            ScoreInto(pod, CollectionsMarshal.AsSpan(feasible), totals);
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
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rented);
        }

        return feasible[best];
    }
}
