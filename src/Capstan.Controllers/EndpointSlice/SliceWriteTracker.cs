using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>
/// Remembers the slice writes of each Service's last sync until the informer cache shows them, so that a sync never
/// plans from a cache that misses a slice it just created (which would create a duplicate) or still shows one it deleted.
/// </summary>
internal sealed class SliceWriteTracker
{
    private readonly ConcurrentDictionary<string, Dictionary<string, long?>> _pending = new(StringComparer.Ordinal);

    /// <summary>Records the writes of one sync: slice name to the resourceVersion written, or null for a delete.</summary>
    public void Expect(string serviceKey, Dictionary<string, long?> writes)
    {
        if (writes.Count == 0)
        {
            _pending.TryRemove(serviceKey, out _);
        }
        else
        {
            _pending[serviceKey] = writes;
        }
    }

    public void Forget(string serviceKey) => _pending.TryRemove(serviceKey, out _);

    /// <summary>Whether <paramref name="slices"/> (the cache's slices of the Service) reflect every write of the last sync.</summary>
    public bool CaughtUp(string serviceKey, IReadOnlyList<JsonObject> slices)
    {
        if (!_pending.TryGetValue(serviceKey, out var writes))
        {
            return true;
        }

        var byName = slices.ToDictionary(s => s.GetName(), StringComparer.Ordinal);
        foreach (var (name, version) in writes)
        {
            var seen = byName.GetValueOrDefault(name);
            if (version is null ? seen is not null : seen is null || Version(seen) < version)
            {
                return false;
            }
        }

        _pending.TryRemove(serviceKey, out _);
        return true;
    }

    public static long? Version(JsonObject obj) =>
        long.TryParse(obj.GetResourceVersion(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
