using System.Collections.Concurrent;
using Capstan.Agent.Streaming;

namespace Capstan.Agent.Pods;

/// <summary>The pod workers' published view of their pods, for the streaming server: each worker replaces its pod's entry after every sync.</summary>
public sealed class PodDirectory : IPodDirectory
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), PodEntry> _pods = new();

    public ContainerRef? FindContainer(string ns, string podName, string containerName, bool previous)
    {
        if (!_pods.TryGetValue((ns, podName), out var pod) || !pod.Containers.TryGetValue(containerName, out var container))
        {
            return null;
        }

        return previous ? container.Previous : container.Current;
    }

    public IReadOnlyList<string> ContainerNames(string ns, string podName) =>
        _pods.TryGetValue((ns, podName), out var pod) ? pod.Names : [];

    public string? PodIp(string ns, string podName) => _pods.TryGetValue((ns, podName), out var pod) ? pod.PodIp : null;

    internal void Set(string ns, string name, PodEntry entry) => _pods[(ns, name)] = entry;

    /// <summary>Removes the entry only if it is still this uid's (a new pod of the same name may have taken it).</summary>
    internal void Remove(string ns, string name, string uid)
    {
        if (_pods.TryGetValue((ns, name), out var entry) && entry.Uid == uid)
        {
            _pods.TryRemove(new KeyValuePair<(string, string), PodEntry>((ns, name), entry));
        }
    }

    internal sealed record PodEntry(string Uid, IReadOnlyList<string> Names, IReadOnlyDictionary<string, ContainerEntry> Containers, string? PodIp);

    internal sealed record ContainerEntry(ContainerRef? Current, ContainerRef? Previous);
}
