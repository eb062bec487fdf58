namespace Capstan.Agent.Streaming;

/// <summary>
/// Joins partial (P) records with the records that follow them on the same stream, so that a long line the runtime
/// split comes out whole; the line carries the time of its first piece.
/// </summary>
internal sealed class CriLineAssembler
{
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    /// <summary>True with the finished line when <paramref name="record"/> ends one.</summary>
    public bool Add(in CriLogLine record, out LogicalLine line)
    {
        if (record.Partial)
        {
            if (!_pending.TryGetValue(record.Stream, out var pending))
            {
                pending = new Pending(record.Timestamp, record.FormattedTimestamp);
                _pending[record.Stream] = pending;
            }

            pending.Content.Write(record.Content.Span);
            line = default;
            return false;
        }

        if (_pending.Remove(record.Stream, out var started))
        {
            started.Content.Write(record.Content.Span);
            line = new LogicalLine(started.Timestamp, started.FormattedTimestamp, started.Content.ToArray(), true);
            return true;
        }

        line = new LogicalLine(record.Timestamp, record.FormattedTimestamp, record.Content.ToArray(), true);
        return true;
    }

    /// <summary>Lines still waiting for their end (the file ended mid-line), oldest first.</summary>
    public List<LogicalLine> Flush()
    {
        var lines = _pending.Values
            .OrderBy(p => p.Timestamp)
            .Select(p => new LogicalLine(p.Timestamp, p.FormattedTimestamp, p.Content.ToArray(), false))
            .ToList();
        _pending.Clear();
        return lines;
    }

    private sealed class Pending(DateTimeOffset timestamp, string formattedTimestamp)
    {
        public DateTimeOffset Timestamp { get; } = timestamp;

        public string FormattedTimestamp { get; } = formattedTimestamp;

        public MemoryStream Content { get; } = new();
    }
}
