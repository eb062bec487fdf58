namespace Capstan.Agent.Streaming;

/// <summary>A line as the user wrote it: one full CRI record, or partial records joined; Complete is false for a trailing partial.</summary>
internal readonly record struct LogicalLine(DateTimeOffset Timestamp, string FormattedTimestamp, byte[] Content, bool Complete);
