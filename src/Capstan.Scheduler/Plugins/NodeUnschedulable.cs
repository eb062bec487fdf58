using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>Keeps pods off cordoned nodes (spec.unschedulable) unless they tolerate node.kubernetes.io/unschedulable:NoSchedule.</summary>
internal sealed class NodeUnschedulable : IFilterPlugin
{
    public const string Reason = "node(s) were unschedulable";

    private static readonly Taint UnschedulableTaint = new("node.kubernetes.io/unschedulable", "", Taint.NoSchedule);

    public string Name => "NodeUnschedulable";

    public FilterStatus Filter(PodInfo pod, NodeInfo node) =>
        node.Unschedulable && !Toleration.AnyTolerates(pod.Tolerations, UnschedulableTaint)
            ? FilterStatus.Unresolvable(Name, Reason)
            : FilterStatus.Success;
}
