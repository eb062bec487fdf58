using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>A pod that names a node (spec.nodeName) fits only that node.</summary>
internal sealed class NodeName : IFilterPlugin
{
    public const string Reason = "node(s) didn't match the requested node name";

    public string Name => "NodeName";

    public bool AppliesTo(PodInfo pod) => pod.NodeName.Length > 0;

    public FilterStatus Filter(PodInfo pod, NodeInfo node) =>
        pod.NodeName.Length == 0 || pod.NodeName == node.Name ? FilterStatus.Success : FilterStatus.Unresolvable(Name, Reason);
}
