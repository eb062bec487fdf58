using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Client.Cache;

/// <summary>
/// A thread-safe store of objects by "namespace/name" key with named secondary indexes (by namespace, by owner uid...).
/// Objects handed out are shared: callers copy before changing them.
/// <para>A serialized cache keeps each object as its UTF-8 JSON and hands out a fresh parse on every read: a quarter of
/// the memory of a JsonObject tree for small objects (metadata-only informers hold thousands), for a parse per read.</para>
/// </summary>
public sealed class IndexedCache
{
    /// <summary>Index of objects by metadata.namespace.</summary>
    public const string NamespaceIndex = "namespace";

    /// <summary>Index of objects by the uid of each of their ownerReferences.</summary>
    public const string OwnerUidIndex = "ownerUid";

    private readonly Lock _lock = new();
    // JsonObject, or its UTF-8 JSON (byte[]) when _serialized.
    private readonly Dictionary<string, object> _items = new(StringComparer.Ordinal);
    private readonly bool _serialized;
    private readonly Dictionary<string, Func<JsonObject, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);

    public IndexedCache()
        : this(serialized: false)
    {
    }

    /// <param name="serialized">Keep objects as JSON bytes and parse them on each read (see the class remarks).</param>
    public IndexedCache(bool serialized)
    {
        _serialized = serialized;
        AddIndexer(NamespaceIndex, o => o.GetNamespace() is { Length: > 0 } ns ? [ns] : []);
        AddIndexer(OwnerUidIndex, o => o.GetOwnerReferences().Select(r => r.Uid));
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once.</summary>
    public void AddIndexer(string name, Func<JsonObject, IEnumerable<string>> indexer)
    {
        lock (_lock)
        {
            if (!_indexers.TryAdd(name, indexer))
            {
                throw new InvalidOperationException($"index {name} already exists");
            }

            var index = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indices[name] = index;
            foreach (var (key, stored) in _items)
            {
                foreach (var value in indexer(Materialize(stored)))
                {
                    Add(index, value, key);
                }
            }
        }
    }

    public JsonObject? Get(string key)
    {
        lock (_lock)
        {
            return _items.TryGetValue(key, out var stored) ? Materialize(stored) : null;
        }
    }

    public IReadOnlyList<JsonObject> List()
    {
        lock (_lock)
        {
            return [.. _items.Values.Select(Materialize)];
        }
    }

    public IReadOnlyList<string> ListKeys()
    {
        lock (_lock)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>The objects whose index <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<JsonObject> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"no index named {indexName}", nameof(indexName));
            }

            return index.TryGetValue(value, out var keys) ? [.. keys.Select(k => Materialize(_items[k]))] : [];
        }
    }

    /// <summary>Adds or replaces an object; returns the one it replaced.</summary>
    public JsonObject? Upsert(JsonObject obj)
    {
        var key = obj.GetKey();
        lock (_lock)
        {
            var old = RemoveLocked(key);
            _items[key] = Store(obj);
            IndexLocked(key, obj);
            return old;
        }
    }

    /// <summary>Removes an object by key; returns it, or null when absent.</summary>
    public JsonObject? Delete(string key)
    {
        lock (_lock)
        {
            return RemoveLocked(key);
        }
    }

    /// <summary>
    /// Replaces the whole content with a fresh list (a relist) and says what changed, so an informer can tell its
    /// handlers about objects deleted while it was not watching.
    /// </summary>
    public CacheDelta Replace(IEnumerable<JsonObject> objects)
    {
        var added = new List<JsonObject>();
        var updated = new List<(JsonObject Old, JsonObject New)>();
        var deleted = new List<JsonObject>();
        lock (_lock)
        {
            var fresh = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var obj in objects)
            {
                fresh[obj.GetKey()] = obj;
            }

            foreach (var key in _items.Keys.Where(k => !fresh.ContainsKey(k)).ToList())
            {
                deleted.Add(RemoveLocked(key)!);
            }

            foreach (var (key, obj) in fresh)
            {
                var old = RemoveLocked(key);
                _items[key] = Store(obj);
                IndexLocked(key, obj);
                if (old is null)
                {
                    added.Add(obj);
                }
                else
                {
                    updated.Add((old, obj));
                }
            }
        }

        return new CacheDelta(added, updated, deleted);
    }

    private JsonObject? RemoveLocked(string key)
    {
        if (!_items.Remove(key, out var stored))
        {
            return null;
        }

        var old = Materialize(stored);
        foreach (var (name, indexer) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in indexer(old))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }
        }

        return old;
    }

    private void IndexLocked(string key, JsonObject obj)
    {
        foreach (var (name, indexer) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in indexer(obj))
            {
                Add(index, value, key);
            }
        }
    }

    private object Store(JsonObject obj) => _serialized ? JsonSerializer.SerializeToUtf8Bytes(obj) : obj;

    private static JsonObject Materialize(object stored) =>
        stored as JsonObject ?? (JsonObject)JsonNode.Parse((byte[])stored)!;

    private static void Add(Dictionary<string, HashSet<string>> index, string value, string key)
    {
        if (!index.TryGetValue(value, out var keys))
        {
            index[value] = keys = new HashSet<string>(StringComparer.Ordinal);
        }

        keys.Add(key);
    }
}
