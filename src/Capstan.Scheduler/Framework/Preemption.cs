namespace Capstan.Scheduler.Framework;

/// <summary>
/// kube-scheduler's DefaultPreemption: when a pod fits nowhere, find the node where evicting the fewest and least
/// important lower-priority pods makes it fit; and the explanation it adds to a failure ("preemption: ...").
/// PodDisruptionBudgets are not consulted yet.
/// </summary>
public static class Preemption
{
    /// <summary>
    /// The node and victims to preempt for <paramref name="pod"/>, or null. On each node that failed for a resolvable
    /// reason: remove every lower-priority pod not already being deleted; if the pod then fits, give back ("reprieve")
    /// victims from the most important down while it still fits. Among the candidates, kube-scheduler's order: the lowest
    /// highest-victim priority, then the smallest sum of victim priorities, then the fewest victims.
    /// </summary>
    public static (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? FindCandidate(
        PodInfo pod, FitError error, IReadOnlyDictionary<string, NodeInfo> nodes, Func<PodInfo, NodeInfo, FilterStatus> filter)
    {
        if (pod.PreemptionPolicy == "Never")
        {
            return null;
        }

        (NodeInfo Node, IReadOnlyList<PodInfo> Victims)? best = null;
        (long Highest, long Sum, int Count) bestKey = (long.MaxValue, long.MaxValue, int.MaxValue);
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

            var victims = new List<PodInfo>(lower);
            foreach (var candidate in lower.OrderByDescending(p => p.Priority))
            {
                victims.Remove(candidate);
                if (!filter(pod, node.Without(victims)).IsSuccess)
                {
                    victims.Add(candidate);
                }
            }

            (long Highest, long Sum, int Count) key = (victims.Max(v => v.Priority), victims.Sum(v => (long)v.Priority), victims.Count);
            if (key.CompareTo(bestKey) < 0)
            {
                best = (node, victims);
                bestKey = key;
            }
        }

        return best;
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
