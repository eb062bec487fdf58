namespace Capstan.Controllers.GarbageCollector;

/// <summary>
/// Objects by uid and, for each uid named as an owner, the uids of its dependents. Owners need not be in the graph
/// themselves: a dependent is indexed under its owner's uid as soon as it is seen.
/// </summary>
internal sealed class DependencyGraph
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, GraphNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Count;
            }
        }
    }

    public GraphNode? Get(string uid)
    {
        lock (_lock)
        {
            return _nodes.GetValueOrDefault(uid);
        }
    }

    /// <summary>Adds or replaces a node; returns the one replaced.</summary>
    public GraphNode? Upsert(GraphNode node)
    {
        lock (_lock)
        {
            var old = RemoveLocked(node.Uid);
            _nodes[node.Uid] = node;
            foreach (var owner in node.Owners)
            {
                if (!_dependents.TryGetValue(owner.Uid, out var set))
                {
                    _dependents[owner.Uid] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(node.Uid);
            }

            return old;
        }
    }

    public GraphNode? Remove(string uid)
    {
        lock (_lock)
        {
            return RemoveLocked(uid);
        }
    }

    public IReadOnlyList<GraphNode> DependentsOf(string ownerUid)
    {
        lock (_lock)
        {
            return _dependents.TryGetValue(ownerUid, out var set) ? [.. set.Select(uid => _nodes[uid])] : [];
        }
    }

    private GraphNode? RemoveLocked(string uid)
    {
        if (!_nodes.Remove(uid, out var old))
        {
            return null;
        }

        foreach (var owner in old.Owners)
        {
            if (_dependents.TryGetValue(owner.Uid, out var set) && set.Remove(uid) && set.Count == 0)
            {
                _dependents.Remove(owner.Uid);
            }
        }

        return old;
    }
}
