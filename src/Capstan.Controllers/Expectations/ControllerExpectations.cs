namespace Capstan.Controllers.Expectations;

/// <summary>
/// What a controller is still waiting to see in its informer after its own writes (Kubernetes' UIDTrackingControllerExpectations):
/// a count of pods it created and the keys of pods it deleted. Until both are seen it must not act on the cache again, or it
/// would create or delete twice. Expectations older than <see cref="Ttl"/> are assumed lost (a missed watch event).
/// </summary>
internal sealed class ControllerExpectations(TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool Satisfied(string controllerKey)
    {
        lock (_lock)
        {
            return !_entries.TryGetValue(controllerKey, out var e)
                || (e.Adds <= 0 && e.Deletes.Count == 0)
                || time.GetUtcNow() - e.SetAt > Ttl;
        }
    }

    public void ExpectCreations(string controllerKey, int count)
    {
        lock (_lock)
        {
            _entries[controllerKey] = new Entry { Adds = count, SetAt = time.GetUtcNow() };
        }
    }

    public void ExpectDeletions(string controllerKey, IEnumerable<string> podKeys)
    {
        lock (_lock)
        {
            var entry = new Entry { SetAt = time.GetUtcNow() };
            entry.Deletes.UnionWith(podKeys);
            _entries[controllerKey] = entry;
        }
    }

    public void CreationObserved(string controllerKey)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(controllerKey, out var e))
            {
                e.Adds--;
            }
        }
    }

    public void DeletionObserved(string controllerKey, string podKey)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(controllerKey, out var e))
            {
                e.Deletes.Remove(podKey);
            }
        }
    }

    public void Delete(string controllerKey)
    {
        lock (_lock)
        {
            _entries.Remove(controllerKey);
        }
    }

    private sealed class Entry
    {
        public int Adds { get; set; }

        public HashSet<string> Deletes { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset SetAt { get; init; }
    }
}
