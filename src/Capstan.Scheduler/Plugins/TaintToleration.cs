using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Plugins;

/// <summary>
/// Filters out nodes with a NoSchedule or NoExecute taint the pod does not tolerate (among them the not-ready and
/// unreachable taints the node lifecycle controller sets), and prefers nodes with fewer untolerated PreferNoSchedule taints.
/// </summary>
internal sealed class TaintToleration : IFilterPlugin, IScorePlugin
{
    public string Name => "TaintToleration";

    public int Weight => 3;

    public static string Reason(Taint taint) => $"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}";

    public FilterStatus Filter(PodInfo pod, NodeInfo node)
    {
        foreach (var taint in node.Taints)
        {
            if (taint.Effect is Taint.NoSchedule or Taint.NoExecute && !Toleration.AnyTolerates(pod.Tolerations, taint))
            {
                return FilterStatus.Unresolvable(Name, Reason(taint));
            }
        }

        return FilterStatus.Success;
    }

    /// <summary>Fewest intolerable PreferNoSchedule taints scores 100; the node with the most scores 0.</summary>
    public void Score(PodInfo pod, ReadOnlySpan<NodeInfo> nodes, Span<long> scores)
    {
        long max = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            long count = 0;
            foreach (var taint in nodes[i].Taints)
            {
                if (taint.Effect == Taint.PreferNoSchedule && !ToleratesPreferNoSchedule(pod, taint))
                {
                    count++;
                }
            }

            scores[i] = count;
            max = Math.Max(max, count);
        }

        for (var i = 0; i < nodes.Length; i++)
        {
            scores[i] = max == 0 ? IScorePlugin.MaxNodeScore : IScorePlugin.MaxNodeScore - (scores[i] * IScorePlugin.MaxNodeScore / max);
        }
    }

    // Only tolerations for PreferNoSchedule (or for every effect) count when scoring.
    private static bool ToleratesPreferNoSchedule(PodInfo pod, Taint taint)
    {
        foreach (var toleration in pod.Tolerations)
        {
            if (toleration.Effect is "" or Taint.PreferNoSchedule && toleration.Tolerates(taint))
            {
                return true;
            }
        }

        return false;
    }
}
