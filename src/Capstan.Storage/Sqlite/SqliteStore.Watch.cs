using System.Runtime.CompilerServices;

namespace Capstan.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private const int ReplayPageSize = 500;

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        ThrowIfDisposed();
        // Checked here, not at the first MoveNext, so the caller learns of 410 before it starts a response.
        ThrowIfCompacted(afterRevision);
        return WatchCoreAsync(prefix, afterRevision, cancellationToken);
    }

    /// <summary>
    /// Subscribes first, then replays the table up to the revision the subscription starts at, then drains the live feed.
    /// Live events are buffered meanwhile; the position filter drops anything already yielded, so there is no gap and no duplicate.
    /// </summary>
    private async IAsyncEnumerable<WatchEvent> WatchCoreAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watcher = _watchHub.Register(prefix, _options.WatchBufferSize, out var liveFrom);
        try
        {
            // 0 means "from now"; a revision in the future means "from then".
            var position = afterRevision == 0 ? liveFrom : afterRevision;
            while (position < liveFrom)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (events, scannedThrough) = ReadHistory(prefix, position, liveFrom, ReplayPageSize);
                // A compaction that overtook this position may have removed rows the page needed.
                ThrowIfCompacted(position);
                foreach (var watchEvent in events)
                {
                    yield return watchEvent;
                }
                position = scannedThrough;
            }

            var live = watcher.Events;
            while (await live.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (live.TryRead(out var watchEvent))
                {
                    if (watchEvent.Revision > position)
                    {
                        position = watchEvent.Revision;
                        yield return watchEvent;
                    }
                }
            }
            if (watcher.Fault is not null)
            {
                throw watcher.Fault;
            }
        }
        finally
        {
            _watchHub.Unregister(watcher);
        }
    }
}
