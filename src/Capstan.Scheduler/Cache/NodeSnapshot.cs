using System.Collections;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Cache;

/// <summary>
/// The nodes the cache hands a decision, in name order, with the cache's <see cref="TopologyIndex"/> attached so the
/// framework can give it to the PreFilters. Valid only under the cache's lock.
/// </summary>
public sealed class NodeSnapshot(List<NodeInfo> nodes, TopologyIndex index) : IReadOnlyList<NodeInfo>
{
    public TopologyIndex Index { get; } = index;

    public int Count => nodes.Count;

    public NodeInfo this[int index] => nodes[index];

    public IEnumerator<NodeInfo> GetEnumerator() => nodes.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
