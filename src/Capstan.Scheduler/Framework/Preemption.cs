namespace Capstan.Scheduler.Framework;

/// <summary>
/// The explanation kube-scheduler's DefaultPreemption adds to a failure ("preemption: ..."). Capstan does not preempt
/// yet; this only says, node by node, whether evicting lower-priority pods could have made room, in kube-scheduler's words.
/// </summary>
public static class Preemption
{
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
