namespace Capstan.Controllers.Events;

/// <summary>
/// Decides which event series a new event belongs to, as client-go's EventCorrelator does: events about one object
/// with the same type and reason but different messages are counted apart until 10 distinct messages were seen within
/// 10 minutes; from then on they go to one series whose message is "(combined from similar events): " + the latest.
/// An identical event (same message) joins its earlier series and bumps its count. Not thread-safe: the caller locks.
/// </summary>
internal sealed class EventCorrelator(TimeProvider time)
{
    public const int MaxSimilarMessages = 10;
    public const string CombinedPrefix = "(combined from similar events): ";
    public static readonly TimeSpan SimilarWindow = TimeSpan.FromMinutes(10);

    // client-go keeps both in LRU caches of 4096; past that the oldest half is forgotten here.
    private const int MaxRemembered = 4096;

    private readonly Dictionary<string, Similar> _similar = new(StringComparer.Ordinal);

    /// <summary>The series key (stable across the events it merges) and the message the event carries.</summary>
    public (string SeriesKey, string Message) Correlate(string objectKey, string type, string reason, string message)
    {
        var now = time.GetUtcNow();
        var aggregateKey = string.Join('\u0000', objectKey, type, reason);
        if (!_similar.TryGetValue(aggregateKey, out var similar) || now - similar.Last > SimilarWindow)
        {
            if (_similar.Count >= MaxRemembered)
            {
                foreach (var stale in _similar.OrderBy(p => p.Value.Last).Take(MaxRemembered / 2).Select(p => p.Key).ToList())
                {
                    _similar.Remove(stale);
                }
            }

            similar = new Similar();
            _similar[aggregateKey] = similar;
        }

        similar.Last = now;
        similar.Messages.Add(message);
        if (similar.Messages.Count < MaxSimilarMessages)
        {
            return (string.Join('\u0000', aggregateKey, message), message);
        }

        // Like client-go, the set stops growing at the limit: every further distinct message is combined.
        similar.Messages.Remove(message);
        return (aggregateKey, CombinedPrefix + message);
    }

    private sealed class Similar
    {
        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Last { get; set; }
    }
}
