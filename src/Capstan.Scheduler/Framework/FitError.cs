using System.Globalization;
using System.Text;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// Why no node took a pod: each node's filter status, and what preemption concluded. Prints kube-scheduler's message, e.g.
/// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes
/// are available: 3 Preemption is not helpful for scheduling."
/// </summary>
public sealed class FitError
{
    public const string NoNodesAvailable = "no nodes available to schedule pods";

    public FitError(int numAllNodes, IReadOnlyDictionary<string, FilterStatus> nodeStatuses, string postFilterMessage = "")
    {
        NumAllNodes = numAllNodes;
        NodeStatuses = nodeStatuses;
        PostFilterMessage = postFilterMessage;
    }

    public int NumAllNodes { get; }

    public IReadOnlyDictionary<string, FilterStatus> NodeStatuses { get; }

    /// <summary>What preemption said ("preemption: ..."), or empty.</summary>
    public string PostFilterMessage { get; }

    public FitError WithPostFilterMessage(string message) => new(NumAllNodes, NodeStatuses, message);

    public string Message
    {
        get
        {
            if (NumAllNodes == 0)
            {
                return NoNodesAvailable;
            }

            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"0/{NumAllNodes} nodes are available:");
            var histogram = Histogram(NodeStatuses.Values);
            if (histogram.Length > 0)
            {
                text.Append(' ').Append(histogram).Append('.');
            }

            if (PostFilterMessage.Length > 0)
            {
                text.Append(' ').Append(PostFilterMessage);
            }

            return text.ToString();
        }
    }

    /// <summary>"1 Insufficient cpu, 2 node(s) were unschedulable": each reason with the number of nodes giving it, sorted as strings.</summary>
    public static string Histogram(IEnumerable<FilterStatus> statuses)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var status in statuses)
        {
            foreach (var reason in status.Reasons)
            {
                counts[reason] = counts.GetValueOrDefault(reason) + 1;
            }
        }

        return string.Join(", ", counts.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Value} {kv.Key}")).OrderBy(s => s, StringComparer.Ordinal));
    }

    public override string ToString() => Message;
}
