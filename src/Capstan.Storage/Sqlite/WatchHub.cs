namespace Capstan.Storage.Sqlite;

/// <summary>Fans committed writes out to the live watchers, in revision order.</summary>
internal sealed class WatchHub(long publishedRevision)
{
    private readonly Lock _lock = new();
    private Watcher[] _watchers = [];
    private long _publishedRevision = publishedRevision;
    private bool _closed;

    /// <summary>
    /// Adds a watcher. It receives every event after <paramref name="liveFrom"/>; the caller replays the rest from the table,
    /// which holds everything up to <paramref name="liveFrom"/> because events are published only after their commit.
    /// </summary>
    public Watcher Register(string prefix, int capacity, out long liveFrom)
    {
        var watcher = new Watcher(prefix, capacity);
        lock (_lock)
        {
            liveFrom = _publishedRevision;
            if (_closed)
            {
                watcher.Complete();
            }
            else
            {
                _watchers = [.. _watchers, watcher];
            }
        }
        return watcher;
    }

    public void Unregister(Watcher watcher)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_watchers, watcher);
            if (index >= 0)
            {
                _watchers = [.. _watchers.AsSpan(0, index), .. _watchers.AsSpan(index + 1)];
            }
        }
        watcher.Complete();
    }

    /// <summary>Delivers one committed batch; a watcher whose buffer is full is dropped instead of waited for.</summary>
    public void Publish(List<WatchEvent> events, long revision)
    {
        lock (_lock)
        {
            List<Watcher>? overflowed = null;
            foreach (var watcher in _watchers)
            {
                foreach (var watchEvent in events)
                {
                    if (KeyPrefix.Matches(watchEvent.Current.Key, watcher.Prefix) && !watcher.TryDeliver(watchEvent))
                    {
                        (overflowed ??= []).Add(watcher);
                        break;
                    }
                }
            }
            if (overflowed is not null)
            {
                _watchers = [.. _watchers.Except(overflowed)];
            }
            _publishedRevision = revision;
        }
    }

    /// <summary>Ends every watch (the store is closing).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Complete();
            }
            _watchers = [];
        }
    }
}
