using Capstan.ApiServer.Caching;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Authorization.Node;

/// <summary>
/// Which objects each node may reach through the pods bound to it (spec.nodeName): the Secrets, ConfigMaps,
/// PersistentVolumeClaims and ServiceAccounts those pods reference. Built from the watch cache and updated incrementally:
/// when the pod cache's version moved, only pods whose revision changed are decoded again; requests in between read the
/// last graph without touching the cache.
/// </summary>
public sealed class NodeGraph
{
    private readonly ResourceCache _pods;
    private readonly ResourceCache _claims;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PodEdges> _byPodKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<Reference, int>> _byNode = new(StringComparer.Ordinal);
    private long _version = -1;

    public NodeGraph(WatchCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _pods = cache.For(cache.Registry.FindKind("", "Pod")!);
        _claims = cache.For(cache.Registry.FindKind("", "PersistentVolumeClaim")!);
    }

    /// <summary>Whether a pod bound to <paramref name="node"/> references the object.</summary>
    public bool Reaches(string node, ReferenceKind kind, string @namespace, string name)
    {
        lock (_lock)
        {
            Refresh();
            return _byNode.TryGetValue(node, out var refs) && refs.ContainsKey(new Reference(kind, @namespace, name));
        }
    }

    /// <summary>Whether pod <paramref name="namespace"/>/<paramref name="name"/> is bound to <paramref name="node"/>.</summary>
    public bool IsBound(string node, string @namespace, string name) =>
        Reaches(node, ReferenceKind.Pod, @namespace, name);

    /// <summary>Whether pod <paramref name="namespace"/>/<paramref name="name"/> exists at all.</summary>
    public bool PodExists(string @namespace, string name)
    {
        lock (_lock)
        {
            Refresh();
            return _byPodKey.ContainsKey(_pods.Resource.StorageKey(@namespace, name));
        }
    }

    /// <summary>Whether a claim of a pod bound to <paramref name="node"/> is bound to PersistentVolume <paramref name="volume"/>.</summary>
    public bool ReachesVolume(string node, string volume)
    {
        List<Reference> claims;
        lock (_lock)
        {
            Refresh();
            if (!_byNode.TryGetValue(node, out var refs))
            {
                return false;
            }

            claims = [.. refs.Keys.Where(r => r.Kind == ReferenceKind.PersistentVolumeClaim)];
        }

        foreach (var claim in claims)
        {
            var cached = _claims.Get(_claims.Resource.StorageKey(claim.Namespace, claim.Name));
            if (cached is not null && KubernetesJson.Deserialize<V1PersistentVolumeClaim>(System.Text.Encoding.UTF8.GetString(cached.Json)).Spec?.VolumeName == volume)
            {
                return true;
            }
        }

        return false;
    }

    // Caller holds _lock.
    private void Refresh()
    {
        var version = _pods.Version;
        if (version == _version)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var obj in _pods.List(""))
        {
            seen.Add(obj.Key);
            if (_byPodKey.TryGetValue(obj.Key, out var existing) && existing.Revision == obj.Revision)
            {
                continue;
            }

            if (existing is not null)
            {
                Remove(obj.Key, existing);
            }

            // Rent, not Json: a compressed pod would otherwise be decompressed into a new array on every change.
            V1Pod pod;
            using (var json = obj.Rent())
            {
                pod = KubernetesJson.Deserialize<V1Pod>(System.Text.Encoding.UTF8.GetString(json.Span));
            }

            var edges = new PodEdges(obj.Revision, pod.Spec?.NodeName ?? "", PodReferences.Of(pod));
            _byPodKey[obj.Key] = edges;
            Add(edges);
        }

        foreach (var key in _byPodKey.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            Remove(key, _byPodKey[key]);
        }

        _version = version;
    }

    private void Add(PodEdges edges)
    {
        if (edges.Node.Length == 0)
        {
            return;
        }

        if (!_byNode.TryGetValue(edges.Node, out var refs))
        {
            refs = [];
            _byNode[edges.Node] = refs;
        }

        foreach (var reference in edges.References)
        {
            refs[reference] = refs.GetValueOrDefault(reference) + 1;
        }
    }

    private void Remove(string key, PodEdges edges)
    {
        _byPodKey.Remove(key);
        if (edges.Node.Length == 0 || !_byNode.TryGetValue(edges.Node, out var refs))
        {
            return;
        }

        foreach (var reference in edges.References)
        {
            var count = refs.GetValueOrDefault(reference) - 1;
            if (count <= 0)
            {
                refs.Remove(reference);
            }
            else
            {
                refs[reference] = count;
            }
        }

        if (refs.Count == 0)
        {
            _byNode.Remove(edges.Node);
        }
    }

    private sealed record PodEdges(long Revision, string Node, IReadOnlyCollection<Reference> References);
}
