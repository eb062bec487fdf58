using System.Threading.Channels;

namespace Capstan.Storage.Sqlite;

/// <summary>One watch's live feed: a bounded buffer the writer fills without ever waiting.</summary>
internal sealed class Watcher(string prefix, int capacity)
{
    private readonly Channel<WatchEvent> _events = Channel.CreateBounded<WatchEvent>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    public string Prefix { get; } = prefix;

    public ChannelReader<WatchEvent> Events => _events.Reader;

    /// <summary>Why the feed ended early (null: it ended because the store closed).</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Queues an event; false when the buffer is full, and the feed is then ended with <see cref="WatchOverflowException"/>.</summary>
    public bool TryDeliver(WatchEvent watchEvent)
    {
        if (_events.Writer.TryWrite(watchEvent))
        {
            return true;
        }
        Fault = new WatchOverflowException(capacity);
        _events.Writer.TryComplete();
        return false;
    }

    public void Complete() => _events.Writer.TryComplete();
}
