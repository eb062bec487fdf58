namespace Capstan.Scheduler.Framework;

/// <summary>What a PreFilter may read besides the pod: every node (with its pods) and the labels of namespaces.</summary>
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
}
