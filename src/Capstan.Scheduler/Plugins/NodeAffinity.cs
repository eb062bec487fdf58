using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// spec.nodeSelector and the required node affinity (any of its terms) must match the node's labels; the preferred
/// node affinity scores nodes by the summed weights of the terms they match.
/// </summary>
internal sealed class NodeAffinity : IFilterPlugin, IScorePlugin
{
    public const string Reason = "node(s) didn't match Pod's node affinity/selector";

    public string Name => "NodeAffinity";

    public int Weight => 2;

    public bool AppliesTo(PodInfo pod) => pod.NodeSelector is not null || pod.RequiredNodeAffinity is not null;

    public FilterStatus Filter(PodInfo pod, NodeInfo node) =>
        Matches(pod, node) ? FilterStatus.Success : FilterStatus.Unresolvable(Name, Reason);

    public static bool Matches(PodInfo pod, NodeInfo node)
    {
        if (pod.NodeSelector is { } selector)
        {
            foreach (var (key, value) in selector)
            {
                if (!node.Labels.TryGetValue(key, out var actual) || actual != value)
                {
                    return false;
                }
            }
        }

        if (pod.RequiredNodeAffinity is { } terms)
        {
            foreach (var term in terms)
            {
                if (term.Matches(node.Name, node.Labels))
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }

    public void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        long max = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            long sum = 0;
            foreach (var preferred in pod.PreferredNodeAffinity)
            {
                if (preferred.Weight != 0 && preferred.Preference.Matches(nodes[i].Name, nodes[i].Labels))
                {
                    sum += preferred.Weight;
                }
            }

            scores[i] = sum;
            max = Math.Max(max, sum);
        }

        for (var i = 0; i < nodes.Length; i++)
        {
            scores[i] = max == 0 ? 0 : scores[i] * IScorePlugin.MaxNodeScore / max;
        }
    }
}
