using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>A pod's host ports must be free on the node: no other pod there holds the same protocol and port on an overlapping IP.</summary>
internal sealed class NodePorts : IFilterPlugin
{
    public const string Reason = "node(s) didn't have free ports for the requested pod ports";

    public string Name => "NodePorts";

    public bool AppliesTo(PodInfo pod) => pod.HostPorts.Count > 0;

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        if (pod.HostPorts.Count == 0)
        {
            return FilterStatus.Success;
        }

        foreach (var wanted in pod.HostPorts)
        {
            foreach (var used in node.UsedPorts)
            {
                if (wanted.ConflictsWith(used))
                {
                    return FilterStatus.Unschedulable(Name, Reason);
                }
            }
        }

        return FilterStatus.Success;
    }
}
