namespace Capstan.Scheduler.Framework;

/// <summary>
/// kube-scheduler's DefaultPreemption: when a pod fits nowhere, find the node where evicting the fewest and least
/// important lower-priority pods makes it fit; and the explanation it adds to a failure ("preemption: ...").
/// PodDisruptionBudgets are respected where possible: victims whose eviction would take a budget below zero are given
/// back first, and nodes with fewer such violations win.
/// </summary>
public static class Preemption
{
    /// <summary>
    /// The node and victims to preempt for <paramref name="pod"/>, or null. On each node that failed for a resolvable
    /// reason: remove every lower-priority pod not already being deleted; if the pod then fits, give back ("reprieve")
    /// victims while it still fits, first those whose eviction would violate a PodDisruptionBudget, then the others, each
    /// group from the most important down. Among the candidates, kube-scheduler's order: the fewest budget violations,
    /// then the lowest highest-victim priority, then the smallest sum of victim priorities, then the fewest victims.
    /// </summary>
    public static (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? FindCandidate(
        PodInfo pod, FitError error, IReadOnlyDictionary<string, NodeInfo> nodes, Func<PodInfo, NodeInfo, FilterStatus> filter,
        IReadOnlyList<DisruptionBudget>? budgets = null)
    {
        if (pod.PreemptionPolicy == "Never")
        {
            return null;
        }

        (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? best = null;
        (int Violations, long Highest, long Sum, int Count) bestKey = (int.MaxValue, long.MaxValue, long.MaxValue, int.MaxValue);
        foreach (var (name, status) in error.NodeStatuses)
        {
            if (status.Code == StatusCode.UnschedulableAndUnresolvable || !nodes.TryGetValue(name, out var node))
            {
                continue;
            }

            var lower = node.Pods.Where(p => p.Priority < pod.Priority && !p.IsDeleting).ToList();
            if (lower.Count == 0 || !filter(pod, node.Without(lower)).IsSuccess)
            {
                continue;
            }

            var (violating, harmless) = SplitByBudgets(lower.OrderByDescending(p => p.Priority).ToList(), budgets ?? []);
            var victims = new List<PodInfo>(lower);
            var violations = violating.Count;
            foreach (var candidate in violating.Concat(harmless))
            {
                victims.Remove(candidate);
                if (!filter(pod, node.Without(victims)).IsSuccess)
                {
                    victims.Add(candidate);
                }
                else if (violating.Contains(candidate))
                {
                    violations--;
                }
            }

            (int Violations, long Highest, long Sum, int Count) key = (violations, victims.Max(v => v.Priority), victims.Sum(v => (long)v.Priority), victims.Count);
            if (key.CompareTo(bestKey) < 0)
            {
                best = (node, victims);
                bestKey = key;
            }
        }

        return best;
    }

    /// <summary>
    /// kube-scheduler's filterPodsWithPDBViolation: walking the victims in order, each one a budget selects uses up one of
    /// its allowed disruptions (unless the eviction API already counted it); a victim that finds a budget with none left
    /// would violate it. Both lists keep the given order.
    /// </summary>
    /// <example>Budget allowing 1, victims a, b, c all selected: a is harmless (allowed drops to 0), b and c violate.</example>
    public static (List<PodInfo> Violating, List<PodInfo> Harmless) SplitByBudgets(IReadOnlyList<PodInfo> victims, IReadOnlyList<DisruptionBudget> budgets)
    {
        var allowed = budgets.Select(b => b.DisruptionsAllowed).ToArray();
        var violating = new List<PodInfo>();
        var harmless = new List<PodInfo>();
        foreach (var victim in victims)
        {
            var violates = false;
            for (var i = 0; i < budgets.Count; i++)
            {
                if (!budgets[i].Selects(victim) || budgets[i].DisruptedPods.Contains(victim.Name))
                {
                    continue;
                }

                allowed[i]--;
                violates |= allowed[i] < 0;
            }

            (violates ? violating : harmless).Add(victim);
        }

        return (violating, harmless);
    }

    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";
    public const string NotEligible = "not eligible due to preemptionPolicy=Never.";

    /// <summary>
    /// The post-filter message for <paramref name="error"/>; empty when removing lower-priority pods would let the pod fit
    /// somewhere (kube-scheduler would then preempt and print no preemption part).
    /// </summary>
    public static string Explain(PodInfo pod, FitError error, IReadOnlyDictionary<string, NodeInfo> nodes, Func<PodInfo, NodeInfo, FilterStatus> filter)
    {
        if (pod.PreemptionPolicy == "Never")
        {
            return "preemption: " + NotEligible;
        }

        var statuses = new Dictionary<string, FilterStatus>(StringComparer.Ordinal);
        foreach (var (name, status) in error.NodeStatuses)
        {
            if (status.Code == StatusCode.UnschedulableAndUnresolvable || !nodes.TryGetValue(name, out var node))
            {
                statuses[name] = FilterStatus.Unresolvable("DefaultPreemption", NotHelpful);
                continue;
            }

            var victims = node.Pods.Where(p => p.Priority < pod.Priority).ToList();
            if (victims.Count == 0)
            {
                statuses[name] = FilterStatus.Unresolvable("DefaultPreemption", NoVictims);
                continue;
            }

            var without = filter(pod, node.Without(victims));
            if (without.IsSuccess)
            {
                return "";
            }

            statuses[name] = without;
        }

        return "preemption: " + new FitError(error.NumAllNodes, statuses).Message;
    }
}
