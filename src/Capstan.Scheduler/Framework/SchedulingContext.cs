using Capstan.Scheduler.Cache;

namespace Capstan.Scheduler.Framework;

/// <summary>
/// What a PreFilter may read besides the pod: every node (with its pods), the labels of namespaces, and, when the nodes
/// come from the scheduler cache, its index of the placed pods by selector and topology domain.
/// </summary>
public sealed class SchedulingContext
{
    private static readonly Func<string, IReadOnlyDictionary<string, string>?> NoNamespaces = _ => null;

    public SchedulingContext(IReadOnlyList<NodeInfo> nodes, Func<string, IReadOnlyDictionary<string, string>?>? namespaceLabels = null)
    {
        Nodes = nodes;
        NamespaceLabels = namespaceLabels ?? NoNamespaces;
    }

    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>A namespace's labels, or null when unknown (for pod affinity's namespaceSelector).</summary>
    public Func<string, IReadOnlyDictionary<string, string>?> NamespaceLabels { get; }

    /// <summary>
    /// The cache's counts of <see cref="Nodes"/>' pods, or null (a bare node list): the PreFilters then walk every node's
    /// pods, which gives the same answer at O(pods) per decision.
    /// </summary>
    public TopologyIndex? Index { get; init; }
}
