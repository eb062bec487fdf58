namespace Capstan.Scheduler.Framework;

/// <summary>What a filter plugin concluded about a node, with kube-scheduler's codes.</summary>
public enum StatusCode
{
    Success,

    /// <summary>The pod does not fit now; removing pods (preemption) might make room.</summary>
    Unschedulable,

    /// <summary>The pod cannot fit this node whatever is removed from it (labels, taints, node name).</summary>
    UnschedulableAndUnresolvable,
}
