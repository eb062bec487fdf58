using System.Threading.Channels;
using Capstan.Api.Json;
using Capstan.Api.Registry;

namespace Capstan.ApiServer.Caching;

/// <summary>
/// The current objects of one resource and a window of its recent events, so lists and watches are served from memory.
/// Fed only by <see cref="WatchCache"/>, which applies store events in revision order.
/// </summary>
public sealed class ResourceCache
{
    private const int HistoryCapacity = 4096;

    /// <summary>
    /// The history's bound in bytes of JSON, besides its 4,096 events: a resource with large objects (ConfigMaps,
    /// Secrets, CRDs near the 1.5 MB request limit) would otherwise keep gigabytes of old versions alive.
    /// </summary>
    public const long DefaultHistoryMaxBytes = 32L << 20;

    private readonly long _historyMaxBytes;
    private long _historyBytes;
    private const int WatcherBuffer = 8192;

    // Smaller objects are not worth a second compression attempt when they come in unpacked.
    private const int MinRepackLength = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, CachedObject> _items = new(StringComparer.Ordinal);
    private readonly CacheEvent[] _history = new CacheEvent[HistoryCapacity];
    private readonly List<Channel<CacheEvent>> _watchers = [];
    private int _historyStart;
    private int _historyCount;

    // Events with a revision above this are all in _history; watches from an older revision get 410 Gone.
    private long _historyFloor;

    public ResourceCache(ResourceInfo resource, long startRevision, long historyMaxBytes = DefaultHistoryMaxBytes, bool trainInBackground = true)
    {
        Resource = resource;
        _historyFloor = startRevision;
        _historyMaxBytes = historyMaxBytes;
        Compression = new JsonCompression(_ => RepackAll(), trainInBackground);
    }

    /// <summary>Packs the objects of this resource; the watch cache makes every object it applies with it.</summary>
    public JsonCompression Compression { get; }

    /// <summary>Events in the window (diagnostics and tests).</summary>
    public int HistoryCount
    {
        get
        {
            lock (_lock)
            {
                return _historyCount;
            }
        }
    }

    public ResourceInfo Resource { get; }

    private long _version;

    /// <summary>Bumped on every change, so derived views (the RBAC snapshot) know when to rebuild.</summary>
    public long Version => Interlocked.Read(ref _version);

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

    internal void ResetFloor(long revision)
    {
        lock (_lock)
        {
            _historyFloor = revision;
        }
    }

    internal void Load(CachedObject obj)
    {
        lock (_lock)
        {
            _items[obj.Key] = obj;
            _version++;
        }
    }

    internal void Apply(CacheEvent ev)
    {
        lock (_lock)
        {
            // Packed while a new dictionary was being installed: RepackAll has already run, so this one moves on its own.
            if (Compression.Dictionary is { } current && ev.Object.Dictionary != current && ev.Object.Length >= MinRepackLength)
            {
                ev = ev with { Object = ev.Object.Repack(Compression) };
            }

            if (ev.Type == CacheEventType.Deleted)
            {
                _items.Remove(ev.Object.Key);
            }
            else
            {
                _items[ev.Object.Key] = ev.Object;
            }

            Interlocked.Increment(ref _version);

            // The newest event always stays, whatever its size: a watch from the revision before it must still resume.
            while (_historyCount > 0 && (_historyCount == HistoryCapacity || _historyBytes + ev.Object.OwnBytes > _historyMaxBytes))
            {
                var oldest = _history[_historyStart];
                _history[_historyStart] = null!;
                _historyBytes -= oldest.Object.OwnBytes;
                _historyFloor = oldest.Revision;
                _historyStart = (_historyStart + 1) % HistoryCapacity;
                _historyCount--;
            }

            _history[(_historyStart + _historyCount) % HistoryCapacity] = ev;
            _historyCount++;
            _historyBytes += ev.Object.OwnBytes;

            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (!_watchers[i].Writer.TryWrite(ev))
                {
                    // A watcher that cannot keep up is closed; its client re-lists, as with a Kubernetes watch cache.
                    _watchers[i].Writer.TryComplete(new WatchExpiredException("watcher fell behind"));
                    _watchers.RemoveAt(i);
                }
            }
        }
    }

    // Packs every current object and every event in the window with the compression's new dictionary. Each version is
    // packed once: the window's events mostly hold the same objects as the current set.
    private void RepackAll()
    {
        lock (_lock)
        {
            var moved = new Dictionary<CachedObject, CachedObject>(ReferenceEqualityComparer.Instance);
            foreach (var (key, obj) in _items.ToList())
            {
                var packed = obj.Repack(Compression);
                if (!ReferenceEquals(packed, obj))
                {
                    _items[key] = packed;
                    moved[obj] = packed;
                }
            }

            for (var i = 0; i < _historyCount; i++)
            {
                var at = (_historyStart + i) % HistoryCapacity;
                var ev = _history[at];
                var packed = moved.GetValueOrDefault(ev.Object) ?? ev.Object.Repack(Compression);
                if (!ReferenceEquals(packed, ev.Object))
                {
                    _historyBytes += packed.OwnBytes - ev.Object.OwnBytes;
                    _history[at] = ev with { Object = packed };
                }
            }
        }
    }

    public CachedObject? Get(string key)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    /// <summary>The objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    public List<CachedObject> List(string prefix)
    {
        List<CachedObject> result;
        lock (_lock)
        {
            result = new List<CachedObject>(_items.Count);
            foreach (var (key, obj) in _items)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    result.Add(obj);
                }
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    /// <summary>
    /// Starts a watch. With <paramref name="afterRevision"/> null, the current objects come first as Added events
    /// (returned in <paramref name="initial"/>); otherwise events after that revision are replayed from the window.
    /// </summary>
    public WatchSubscription Subscribe(long? afterRevision, string prefix, out List<CachedObject> initial)
    {
        var channel = Channel.CreateBounded<CacheEvent>(new BoundedChannelOptions(WatcherBuffer)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        lock (_lock)
        {
            initial = [];
            if (afterRevision is null)
            {
                foreach (var (key, obj) in _items)
                {
                    if (key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        initial.Add(obj);
                    }
                }

                initial.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            }
            else
            {
                if (afterRevision.Value < _historyFloor)
                {
                    throw new WatchExpiredException($"too old resource version: {afterRevision.Value} ({_historyFloor})");
                }

                for (var i = 0; i < _historyCount; i++)
                {
                    var ev = _history[(_historyStart + i) % HistoryCapacity];
                    if (ev.Revision > afterRevision.Value && ev.Object.Key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        channel.Writer.TryWrite(ev);
                    }
                }
            }

            _watchers.Add(channel);
        }

        return new WatchSubscription(this, channel);
    }

    internal void Unsubscribe(Channel<CacheEvent> channel)
    {
        lock (_lock)
        {
            _watchers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }
}

/// <summary>A live watch on a <see cref="ResourceCache"/>; dispose to stop it.</summary>
public sealed class WatchSubscription(ResourceCache cache, Channel<CacheEvent> channel) : IDisposable
{
    public ChannelReader<CacheEvent> Events => channel.Reader;

    public void Dispose() => cache.Unsubscribe(channel);
}

/// <summary>The requested revision is older than the cache's window, or the watcher fell behind: the client must re-list (410 Gone).</summary>
public sealed class WatchExpiredException(string message) : Exception(message);
